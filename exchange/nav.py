"""The navigation bar: each area registers the entries it offers a user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_login import current_user

from exchange import authz


@dataclass(frozen=True)
class NavItem:
    """One entry in the navigation bar."""

    label: str
    url: str
    order: int = 50
    count: int = 0
    key: str = ""
    current: bool = False


NavSource = Callable[[Any], list[NavItem]]
_SOURCES: list[NavSource] = []


def nav_source(source: NavSource) -> NavSource:
    """Register a function that returns an area's entries for a signed-in user."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def items_for(actor: Any) -> list[NavItem]:
    """All entries for this user, in order, with the current page marked."""
    if not authz.is_signed_in(actor):
        return []
    found = [item for source in _SOURCES for item in source(actor)]
    path = request.path
    marked = [NavItem(**{**item.__dict__, "current": item.url == path}) for item in found]
    return sorted(marked, key=lambda item: item.order)


def init_nav(app: Flask) -> None:
    """Give every template the navigation of the signed-in user."""

    @app.context_processor
    def inject_nav() -> dict[str, Any]:
        """Templates get `nav`; they display it and decide nothing."""
        return {"nav": items_for(current_user)}
