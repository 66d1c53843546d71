"""Command-line tools: `flask --app exchange create-admin` and `flask --app exchange seed-demo`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app

from exchange.accounts import seed, services, throttle
from exchange.errors import DomainError

DEFAULT_URL = "http://127.0.0.1:5000"


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's email address (their sign-in name).")
@click.option("--name", "display_name", default="Administrator", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted when left out; pass it only from scripts.",
)
def create_admin_command(email: str, display_name: str, password: str) -> None:
    """Create an installation admin, who creates districts and invites facilitators."""
    try:
        user = services.create_admin(email, password, display_name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Admin {user.email} created.")


@click.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="Print the demo logins as JSON.")
@click.option("--reset", is_flag=True, help="Empty the WHOLE database first, then seed afresh.")
@click.option("--yes", is_flag=True, help="Do not ask before --reset empties the database.")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="Where the app is served.")
@click.option(
    "--logins-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Where the demo logins are kept [default: instance/{seed.LOGINS_FILE}].",
)
def seed_demo_command(
    as_json: bool, reset: bool, yes: bool, url: str, logins_file: Path | None
) -> None:
    """Create the demo district and print its logins; if it exists, print them again."""
    path = logins_file or Path(current_app.instance_path) / seed.LOGINS_FILE
    if reset:
        if current_app.config["ENV_NAME"] not in {"development", "testing"}:
            raise click.ClickException("--reset only runs in development: it empties the database.")
        if not yes:
            click.confirm("This deletes everything in the database. Go on?", abort=True)
        seed.reset_database()
    if seed.demo_exists():
        logins = seed.load_logins(path)
        if logins is None:
            raise click.ClickException(
                "The demo district exists but its logins were not saved on this machine. "
                "Run `flask --app exchange seed-demo --reset` to rebuild it."
            )
    else:
        demo = seed.create_accounts()
        logins = demo.logins
        logins["url"] = url
        # Saved before other areas add their content, so the logins survive a failing seeder.
        seed.save_logins(path, logins)
        try:
            seed.run_seeders(demo)
        except seed.SeederFailed as exc:
            raise click.ClickException(
                f"The demo accounts are ready ({path}), but {exc}. "
                "Fix it, then run `flask --app exchange seed-demo --reset`."
            ) from None
        seed.save_logins(path, logins)
    logins["url"] = url
    click.echo(json.dumps(logins, indent=2) if as_json else seed.describe(logins, url))


@click.command("prune-sign-in-throttles")
@click.option("--days", default=1, show_default=True, help="Forget failures older than this.")
def prune_throttles_command(days: int) -> None:
    """Delete old failed-sign-in counters (each device that ever mistyped leaves one)."""
    removed = throttle.prune(timedelta(days=days))
    click.echo(f"Removed {removed} old sign-in counter{'s' if removed != 1 else ''}.")


def init_cli(app: Flask) -> None:
    """Register the accounts commands."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(prune_throttles_command)
