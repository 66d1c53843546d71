"""Pages of the accounts area: sign-in, each role's home, districts, classes, rosters, links."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)

# Each module adds its routes to `bp` on import.
from exchange.accounts.views import classes, district, home, links, signin, two_step  # noqa: E402

__all__ = ["bp", "classes", "district", "home", "links", "signin", "two_step"]
