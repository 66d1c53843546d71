"""Commands of the space area: `flask --app exchange space purge-uploads`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from exchange.space import services

space_cli = AppGroup("space", help="The shared space: posts, comments, pictures.")


@space_cli.command("purge-uploads")
def purge_uploads() -> None:
    """Delete pictures uploaded more than a day ago that never made it into a post."""
    count = services.purge_staged()
    click.echo(f"Removed {count} abandoned picture{'s' if count != 1 else ''}.")
