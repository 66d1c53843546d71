"""Command-line jobs for children's data."""

from __future__ import annotations

import click
from flask import Flask

from exchange.privacy import retention


def init_cli(app: Flask) -> None:
    """Register `flask --app exchange purge-expired` (meant for a daily scheduler)."""

    @app.cli.command("purge-expired")
    def purge_expired() -> None:
        """Delete archived links past their district's retention period, files included."""
        result = retention.purge_expired()
        click.echo(
            f"purged {result.links} archived link(s): {result.rows} records, {result.files} files"
        )
