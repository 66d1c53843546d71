"""Linking health, pupil voice surveys and end-of-year reports."""

from __future__ import annotations

from flask import Flask

from exchange import extensions
from exchange.insights import api as area_api
from exchange.insights import demo, navigation, sockets, views


def register(app: Flask) -> None:
    """Register this area's pages and API (its socket handlers register on import)."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)


__all__ = ["demo", "navigation", "register", "sockets"]
