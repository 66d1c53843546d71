"""Children's data: export, deleting a pupil completely, retention after a link is archived."""

from __future__ import annotations

from flask import Flask

from exchange import extensions, nav
from exchange.authz import is_staff
from exchange.privacy import api as area_api
from exchange.privacy import cli, views


@nav.nav_source
def _nav(actor):  # noqa: ANN001, ANN202
    if not is_staff(actor) or actor.role.value != "teacher" or not actor.classrooms:
        return []
    from flask import url_for

    first = actor.classrooms[0]
    return [
        nav.NavItem(
            "Data & privacy",
            url_for("privacy.class_privacy", classroom_id=first.id),
            order=90,
        )
    ]


def register(app: Flask) -> None:
    """Register this area's pages, API and commands."""
    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(area_api.blp)
    cli.init_cli(app)


__all__ = ["register"]
