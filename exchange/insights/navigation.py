"""The insights area's entries in the navigation bar."""

from __future__ import annotations

from typing import Any

from flask import url_for

from exchange import authz
from exchange.insights import services, surveys
from exchange.nav import NavItem, nav_source


@nav_source(keep=True)
def insights_nav(actor: Any) -> list[NavItem]:
    """Facilitators: linking health and pupil voice; admins: linking health; teachers: their
    link's page; pupils: a survey waiting for them, when there is one."""
    if authz.is_pupil(actor):
        waiting = len(surveys.open_for(actor))
        if not waiting:
            return []
        url = url_for("insights.pupil_surveys")
        return [NavItem("Survey", url, order=50, count=waiting, key="surveys")]
    if authz.is_admin(actor):
        return [NavItem("Linking health", url_for("insights.index"), order=30, key="health")]
    if authz.insights.can_view_district_health(actor, actor.district_id):
        district_id = actor.district_id
        return [
            NavItem(
                "Linking health",
                url_for("insights.district", district_id=district_id),
                order=30,
                key="health",
            ),
            NavItem(
                "Pupil voice",
                url_for("insights.surveys_page", district_id=district_id),
                order=31,
                key="voice",
            ),
        ]
    links = services.links_for(actor)
    if not links:
        return []
    label = "Our link" if len(links) == 1 else "Our links"
    return [NavItem(label, url_for("insights.index"), order=30, key="health")]
