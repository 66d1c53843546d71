"""Scheduled live sessions: the virtual linking day."""

from __future__ import annotations

from flask import Flask

from exchange import extensions
from exchange.rooms.live import api as area_api
from exchange.rooms.live import faults, sockets, views


def register(app: Flask) -> None:
    """Register this area's pages and API (its socket handlers register on import)."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)
    faults.install(app)


__all__ = ["register", "sockets"]
