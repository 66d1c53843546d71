"""District-wide celebration events hosted by facilitators."""

from __future__ import annotations

from flask import Flask

from exchange import extensions
from exchange.rooms.events import api as area_api
from exchange.rooms.events import channels, sockets, views


def register(app: Flask) -> None:
    """Register this area's pages and API (its channels and socket handlers register on import)."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)


__all__ = ["channels", "register", "sockets"]
