"""The shared space of a link: posts, comments, reactions, images."""

from __future__ import annotations

from flask import Flask

from exchange import extensions
from exchange.space import api as area_api
from exchange.space import channels, cli, seed, sockets, views


def register(app: Flask) -> None:
    """Register this area's pages, API and command (channels, sockets and the demo seeder
    register on import)."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)
    app.cli.add_command(cli.space_cli)


__all__ = ["channels", "register", "seed", "sockets"]
