"""The P4C enquiry board shared by both classes of a link."""

from __future__ import annotations

from flask import Flask

from exchange import extensions
from exchange.enquiry import api as area_api
from exchange.enquiry import channels, navigation, seed, sockets, views


def register(app: Flask) -> None:
    """Register this area's pages and API (its channels, navigation, demo seeder and socket
    handlers register on import)."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)


__all__ = ["channels", "navigation", "register", "seed", "sockets"]
