"""The approval rule: queues, flags, reports, safeguarding and the audit log."""

from __future__ import annotations

from flask import Flask

from exchange import extensions
from exchange.moderation import api as area_api
from exchange.moderation import navigation, sockets, views


def register(app: Flask) -> None:
    """Register this area's pages and API (its socket handlers register on import)."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)


__all__ = ["navigation", "register", "sockets"]
