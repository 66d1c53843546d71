"""The enquiry board's entry in the navigation bar."""

from __future__ import annotations

from typing import Any

from flask import url_for

from exchange import authz
from exchange.enquiry import services
from exchange.nav import NavItem, nav_source


@nav_source(keep=True)
def enquiry_nav(actor: Any) -> list[NavItem]:
    """ "Enquiries" for pupils and teachers of a link, and for the district's facilitators."""
    if authz.is_admin(actor) or not services.links_for(actor):
        return []
    return [NavItem("Enquiries", url_for("enquiry.index"), order=30, key="enquiries")]
