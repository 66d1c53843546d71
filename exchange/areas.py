"""Every area of the app registers its pages, API and socket handlers here."""

from __future__ import annotations

from flask import Flask

from exchange import accounts, enquiry, insights, moderation, nav, privacy, space
from exchange import sockets as core_sockets
from exchange.rooms import events, live


def register_areas(app: Flask) -> None:
    """Register each area in turn; each owns its blueprints and handlers."""
    assert core_sockets.on_connect  # connect and subscribe are declared on import
    nav.init_nav(app)

    for area in (accounts, moderation, space, enquiry, live, events, insights, privacy):
        area.register(app)
