"""JSON API of the accounts area, under /api/v1: the same services and rules as the pages."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "api_accounts",
    __name__,
    url_prefix="/api/v1",
    description="Accounts: districts, schools, classes, staff, pupils, links, sign-in.",
)

# Each module adds its routes to `blp` on import.
from exchange.accounts.api import directory, links, roster, session, two_step  # noqa: E402

__all__ = ["blp", "directory", "links", "roster", "session", "two_step"]
