"""The accounts area's entries in the navigation bar."""

from __future__ import annotations

from typing import Any

from flask import url_for

from exchange.accounts import services
from exchange.accounts.models import Role
from exchange.nav import NavItem, nav_source


@nav_source(keep=True)
def accounts_nav(actor: Any) -> list[NavItem]:
    """Home for everyone; districts for admins and facilitators; each class for its teachers."""
    if actor.is_pupil:
        link = services.pupil_home_link(actor)
        if link is None:
            return [NavItem("Home", url_for("accounts.home"), order=0, key="home")]
        url = url_for("space.link_space", link_id=link.id)
        return [NavItem("Our space", url, order=0, key="space")]
    items = [NavItem("Home", url_for("accounts.home"), order=0, key="home")]
    if actor.role == Role.ADMIN:
        items += [
            NavItem(
                d.name, url_for("accounts.district", district_id=d.id), order=10, key="district"
            )
            for d in services.districts_for(actor)[:3]
        ]
    elif actor.role == Role.FACILITATOR and actor.district_id:
        url = url_for("accounts.district", district_id=actor.district_id)
        items = [NavItem("District", url, order=0, key="district")]
    elif actor.role == Role.TEACHER:
        items += [
            NavItem(c.name, url_for("accounts.classroom", classroom_id=c.id), order=10, key="class")
            for c in actor.classrooms
        ]
    items.append(NavItem("Password", url_for("accounts.change_password"), order=90, key="password"))
    return items
