"""The navigation bar: each area registers the entries it offers a user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
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


class LazyNav:
    """The navigation of the signed-in user, read when a template first shows it. Every
    render gets `nav`, but only pages (base.html) show it: a fragment (a card fetched when a
    post reaches a screen, a list refreshed live) read it for nothing, two statements and a
    quarter of its time."""

    def __init__(self, actor: Any) -> None:
        self._actor = actor

    @cached_property
    def items(self) -> list[NavItem]:
        """The entries, read at the first use."""
        return items_for(self._actor)

    def __iter__(self) -> Iterator[NavItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def init_nav(app: Flask) -> None:
    """Give every template the navigation of the signed-in user."""

    @app.context_processor
    def inject_nav() -> dict[str, Any]:
        """Templates get `nav`; they display it and decide nothing."""
        return {"nav": LazyNav(current_user)}
