"""The moderation area's entries in the navigation bar, with the counts that need attention."""

from __future__ import annotations

from typing import Any

from flask import url_for

from exchange import authz
from exchange.authz import moderation as may
from exchange.moderation import queues, reports, safeguarding
from exchange.nav import NavItem, nav_source


@nav_source
def moderation_nav(actor: Any) -> list[NavItem]:
    """Teachers: their queue (and the safeguarding log for leads); facilitators: approvals and
    reports of their district. Pupils and admins get nothing here."""
    entries = nav_entries(actor)
    return [
        NavItem(e["label"], e["url"], order=e["order"], count=e["count"], key=e["key"])
        for e in entries
    ]


def nav_entries(actor: Any) -> list[dict[str, Any]]:
    """The entries as plain data (the counts API returns the same, for live updates)."""
    entries: list[dict[str, Any]] = []
    if may.has_teacher_queue(actor):
        entries.append(
            {
                "key": "queue",
                "label": "Queue",
                "url": url_for("moderation.queue_page"),
                "order": 20,
                "count": queues.queue_count(actor),
            }
        )
        if may.is_safeguarding_lead(actor):
            entries.append(
                {
                    "key": "concerns",
                    "label": "Safeguarding",
                    "url": url_for("moderation.safeguarding_log"),
                    "order": 80,
                    "count": safeguarding.open_concern_count(actor),
                }
            )
    elif authz.is_facilitator_of(actor, actor.district_id):
        district_id = actor.district_id
        entries += [
            {
                "key": "approvals",
                "label": "Approvals",
                "url": url_for("moderation.approvals", district_id=district_id),
                "order": 20,
                "count": queues.facilitator_queue_count(actor, district_id),
            },
            {
                "key": "reports",
                "label": "Reports",
                "url": url_for("moderation.reports_page", district_id=district_id),
                "order": 25,
                "count": reports.open_report_count(actor, district_id),
            },
        ]
    return entries
