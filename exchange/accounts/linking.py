"""Links: a facilitator pairs two classes of different schools; both teachers confirm."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from exchange import authz, memo, realtime
from exchange import types as clock
from exchange.accounts.directory import find_class, find_district
from exchange.accounts.lookup import commit_or_conflict, find, parse_enum, require
from exchange.accounts.models import ApprovalPolicy, Link, LinkStatus, Phase
from exchange.errors import Conflict, Invalid
from exchange.extensions import db

_YEAR = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")


def current_academic_year(today: date | None = None) -> str:
    """The UK academic year a day falls in, e.g. '2026-27' from September 2026 to August 2027."""
    today = today or clock.utcnow().date()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def parse_academic_year(text: str | None) -> str:
    """'2026-27' or '2026/2027' -> '2026-27'; refuses anything that is not two following years."""
    if not text:
        return current_academic_year()
    match = _YEAR.match(text.strip())
    if match:
        start, end = int(match[1]), int(match[2][-2:])
        if end == (start + 1) % 100 and 2000 <= start <= 2100:
            return f"{start}-{end:02d}"
    raise Invalid('Give the academic year like "2026-27".', field="academic_year")


def parse_phase(value: Any) -> int:
    """A phase number 1-3."""
    try:
        return int(Phase(int(value)))
    except (TypeError, ValueError):
        raise Invalid(
            "The phase is 1 (identity), 2 (community) or 3 (celebration).", field="phase"
        ) from None


def find_link(actor: Any, link_id: int) -> Link:
    """A link this user may see: both classes' members and the district's facilitators."""
    return find(Link, link_id, "link", lambda link: authz.can_view_link(actor, link))


def create_link(
    actor: Any,
    class_a_id: int,
    class_b_id: int,
    academic_year: str | None = None,
    approval_policy: str | ApprovalPolicy = ApprovalPolicy.SENDER,
    phase: int = 1,
) -> Link:
    """A facilitator proposes a link; it becomes active once both teachers have confirmed it."""
    class_a = find_class(actor, class_a_id)
    require(
        authz.oversees_district(actor, class_a.district_id),
        "Only the district's facilitators can link classes.",
    )
    class_b = find_class(actor, class_b_id)
    if class_a.id == class_b.id:
        raise Invalid("Choose two different classes.", field="class_b_id")
    if class_a.district_id != class_b.district_id:
        raise Invalid("Both classes must be in the same district.", field="class_b_id")
    if class_a.school_id == class_b.school_id:
        raise Invalid(
            f"Both classes are at {class_a.school.name}: "
            "a link pairs classes of different schools.",
            field="class_b_id",
        )
    year = parse_academic_year(academic_year)
    policy = parse_enum(ApprovalPolicy, approval_policy, "approval policy", "approval_policy")
    for classroom in (class_a, class_b):
        existing = _open_link_of(classroom.id, year)
        if existing is not None:
            partner = existing.classroom(existing.partner_of(classroom.id))
            raise Conflict(
                f"{classroom.label} is already linked with {partner.label} for {year}.",
                field="class_a_id" if classroom is class_a else "class_b_id",
            )
    link = Link(
        district_id=class_a.district_id,
        class_a_id=class_a.id,
        class_b_id=class_b.id,
        academic_year=year,
        approval_policy=policy,
        phase=parse_phase(phase),
        status=LinkStatus.PROPOSED,
        created_by_id=actor.id,
    )
    db.session.add(link)
    db.session.flush()
    for teacher in [*class_a.teachers, *class_b.teachers]:
        realtime.publish(realtime.staff_stream(teacher.id), "link_proposed", link_payload(link))
    commit_or_conflict("Those classes are already linked for that year.")
    return link


def _open_link_of(classroom_id: int, year: str) -> Link | None:
    """A class's proposed or active link for a year (a class has at most one)."""
    stmt = select(Link).where(
        or_(Link.class_a_id == classroom_id, Link.class_b_id == classroom_id),
        Link.academic_year == year,
        Link.status != LinkStatus.ARCHIVED,
    )
    return db.session.scalar(stmt)


def link_payload(link: Link) -> dict[str, Any]:
    """What clients are told about a link when it changes."""
    return {
        "link_id": link.id,
        "status": link.status.value,
        "phase": link.phase,
        "approval_policy": link.approval_policy.value,
        "academic_year": link.academic_year,
    }


def confirm_link(teacher: Any, link_id: int) -> Link:
    """A teacher of either class confirms a proposed link; the second confirmation activates it."""
    link = find_link(teacher, link_id)
    require(authz.can_confirm_link(teacher, link), "Only the two classes' teachers confirm a link.")
    if link.status == LinkStatus.ARCHIVED:
        raise Conflict("This link has been archived.")
    now = clock.utcnow()
    confirmed_any = False
    for cid, attr in ((link.class_a_id, "confirmed_a_at"), (link.class_b_id, "confirmed_b_at")):
        if authz.teaches(teacher, cid) and getattr(link, attr) is None:
            setattr(link, attr, now)
            confirmed_any = True
    if not confirmed_any:
        raise Conflict("You have already confirmed this link; it waits for the partner teacher.")
    if link.confirmed_a_at and link.confirmed_b_at:
        link.status = LinkStatus.ACTIVE
        stream = realtime.link_stream(link.id)
        realtime.publish(stream, "link_activated", link_payload(link), link_id=link.id)
    district = realtime.district_stream(link.district_id)
    realtime.publish(district, "link_confirmed", link_payload(link))
    db.session.commit()
    return link


def update_link(
    actor: Any,
    link_id: int,
    phase: int | None = None,
    approval_policy: str | ApprovalPolicy | None = None,
) -> Link:
    """A facilitator moves a link to another phase or changes who approves pupils' work."""
    link = find_link(actor, link_id)
    require(authz.can_manage_link(actor, link), "Only the district's facilitators change a link.")
    if link.status == LinkStatus.ARCHIVED:
        raise Conflict("This link has been archived.")
    if phase is not None:
        link.phase = parse_phase(phase)
    if approval_policy is not None:
        link.approval_policy = parse_enum(
            ApprovalPolicy, approval_policy, "approval policy", "approval_policy"
        )
    realtime.publish(realtime.link_stream(link.id), "link_updated", link_payload(link), link.id)
    db.session.commit()
    return link


def archive_link(actor: Any, link_id: int) -> Link:
    """A facilitator closes a link at the end of its year; its classes can be linked again."""
    link = find_link(actor, link_id)
    require(authz.can_manage_link(actor, link), "Only the district's facilitators archive a link.")
    if link.status == LinkStatus.ARCHIVED:
        raise Conflict("This link is already archived.")
    link.status = LinkStatus.ARCHIVED
    link.archived_at = clock.utcnow()
    realtime.publish(realtime.link_stream(link.id), "link_archived", link_payload(link), link.id)
    db.session.commit()
    return link


def links_of_classes(class_ids: list[int]) -> list[Link]:
    """Every link of these classes, whatever its status, oldest first (a new list each call).

    Read once per request (exchange.memo): a page's navigation asks for a user's links from
    several areas (the home link, P4C boards, insights, live sessions), each keeping the ones it
    shows.
    """
    ids = tuple(sorted(set(class_ids)))
    if not ids:
        return []
    stmt = (
        select(Link)
        .where(or_(Link.class_a_id.in_(ids), Link.class_b_id.in_(ids)))
        .order_by(Link.id)
    )
    return list(memo.per_request(("links_of_classes", ids), lambda: list(db.session.scalars(stmt))))


def newest_first(links: list[Link]) -> list[Link]:
    """Links by academic year, newest first; the newest link first within a year."""
    return sorted(links, key=lambda link: (link.academic_year, link.id), reverse=True)


def links_of_class(classroom_id: int, *, include_archived: bool = False) -> list[Link]:
    """A class's links, newest year first."""
    return newest_first(
        [
            link
            for link in links_of_classes([classroom_id])
            if include_archived or link.status != LinkStatus.ARCHIVED
        ]
    )


def active_link_of_class(classroom_id: int) -> Link | None:
    """The class's active link (the newest, if more than one year is still open)."""
    active = [link for link in links_of_class(classroom_id) if link.is_active]
    return active[0] if active else None


def links_of_district(actor: Any, district_id: int) -> list[Link]:
    """A district's links, open ones first, newest year first."""
    district = find_district(actor, district_id)
    stmt = select(Link).where(Link.district_id == district.id)
    links = list(db.session.scalars(stmt.order_by(Link.academic_year.desc(), Link.id.desc())))
    return sorted(links, key=lambda link: link.status == LinkStatus.ARCHIVED)
