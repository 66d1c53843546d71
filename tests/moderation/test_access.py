"""Who may use each moderation page, API endpoint and socket command: every role, every route.

Each route is tried by every role of tests.factories.ROLES on the same scene; a refusal must
change nothing. Roles that may act each get a fresh scene, so one success does not hide another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from exchange import create_app
from exchange.accounts.models import District
from exchange.extensions import db, socketio
from exchange.moderation import services
from exchange.moderation.models import (
    AuditEntry,
    ItemKind,
    ModerationItem,
    Report,
    SafeguardingConcern,
)
from tests.conftest import _config, empty_database, sign_in_client
from tests.factories import ROLES, make_world
from tests.moderation.conftest import NOTES, FreshSocket, NoteChannel, Scene

STAFF = ["admin", "facilitator", "other_facilitator", "teacher_a", "teacher_b", "teacher_c"]
PUPILS = ["pupil_a", "pupil_b", "pupil_c"]
OK = {200, 201, 302, 303}


@dataclass
class Route:
    """One route and what each staff role gets (pupils and anonymous follow the kind)."""

    name: str
    method: str
    url: Callable[[Scene], str]
    staff: dict[str, int]
    body: Callable[[Scene], dict[str, Any]] = lambda s: {}
    api: bool = False
    pupils: int | None = None
    changes: bool = False
    extra: dict[str, int] = field(default_factory=dict)

    def expected(self, role: str) -> int:
        """The status this role gets."""
        if role == "anonymous":
            return 401 if self.api else 302
        if role in PUPILS:
            return self.pupils or 403
        return self.staff[role]


def by(default: int, **roles: int) -> dict[str, int]:
    """Every staff role gets `default` except those named."""
    return {role: roles.get(role, default) for role in STAFF}


D = "/districts/{}"
DISTRICT_ONLY = by(403, admin=200, facilitator=200)

PAGES = [
    Route(
        "queue",
        "GET",
        lambda s: "/queue",
        by(200, admin=403, facilitator=302, other_facilitator=302),
    ),
    Route(
        "approvals", "GET", lambda s: f"{D.format(s.world.district.id)}/approvals", DISTRICT_ONLY
    ),
    Route("queue entry", "GET", lambda s: f"/queue/items/{s.pending.id}", by(404, teacher_a=200)),
    Route(
        "approve",
        "POST",
        lambda s: f"/queue/{s.pending.id}/approve",
        by(404, teacher_a=303),
        changes=True,
    ),
    Route(
        "return",
        "POST",
        lambda s: f"/queue/{s.pending.id}/return",
        by(404, teacher_a=303),
        body=lambda s: {"feedback": "Say more"},
        changes=True,
    ),
    Route(
        "approve unflagged",
        "POST",
        lambda s: "/queue/approve-unflagged",
        by(303),
        body=lambda s: {"item_id": [str(s.plain.id)]},
        changes=False,
    ),
    Route("pending item", "GET", lambda s: f"/items/{s.pending.id}", by(404, teacher_a=200)),
    Route(
        "approved item",
        "GET",
        lambda s: f"/items/{s.approved.id}",
        by(200, other_facilitator=404, teacher_c=404),
    ),
    Route(
        "withdraw",
        "POST",
        lambda s: f"/items/{s.approved.id}/withdraw",
        by(403, other_facilitator=404, teacher_c=404, teacher_a=303),
        changes=True,
    ),
    Route(
        "hide",
        "POST",
        lambda s: f"/items/{s.approved.id}/hide",
        by(403, other_facilitator=404, teacher_c=404, teacher_a=303, teacher_b=303),
        body=lambda s: {"reason": "unkind"},
        changes=True,
    ),
    Route(
        "class log",
        "GET",
        lambda s: f"/classes/{s.world.class_a.id}/moderation-log",
        by(403, teacher_a=200),
    ),
    Route(
        "district log",
        "GET",
        lambda s: f"{D.format(s.world.district.id)}/moderation-log",
        DISTRICT_ONLY,
    ),
    Route("reports", "GET", lambda s: f"{D.format(s.world.district.id)}/reports", DISTRICT_ONLY),
    Route(
        "decide report",
        "POST",
        lambda s: f"/reports/{s.report.id}/decide",
        by(404, admin=303, facilitator=303),
        body=lambda s: {"decision": "restore"},
        changes=True,
    ),
    Route(
        "watch list", "GET", lambda s: f"{D.format(s.world.district.id)}/watch-list", DISTRICT_ONLY
    ),
    Route(
        "add watch words",
        "POST",
        lambda s: f"{D.format(s.world.district.id)}/watch-list",
        by(403, admin=303, facilitator=303),
        body=lambda s: {"words": "Oakfield Estate"},
        changes=True,
    ),
    Route(
        "remove watch word",
        "POST",
        lambda s: f"{D.format(s.world.district.id)}/watch-list/remove",
        by(403, admin=303, facilitator=303),
        body=lambda s: {"word": "Moorside"},
        changes=True,
    ),
    Route(
        "concern form",
        "GET",
        lambda s: "/concerns/new",
        by(200, admin=403, facilitator=403, other_facilitator=403),
    ),
    Route(
        "raise concern",
        "POST",
        lambda s: "/concerns",
        by(404, admin=403, facilitator=403, other_facilitator=403, teacher_a=303),
        body=lambda s: {"pupil": s.world.pupil_a.id, "details": "Worried"},
        changes=True,
    ),
    Route("safeguarding log", "GET", lambda s: "/safeguarding", by(403)),
    Route("concern", "GET", lambda s: f"/safeguarding/{s.concern.id}", by(404)),
    Route(
        "acknowledge concern",
        "POST",
        lambda s: f"/safeguarding/{s.concern.id}/acknowledge",
        by(404),
        changes=True,
    ),
]

A = "/api/v1"
API = [
    Route("api queue", "GET", lambda s: f"{A}/queue", by(200, admin=403), api=True),
    Route(
        "api approvals",
        "GET",
        lambda s: f"{A}{D.format(s.world.district.id)}/approvals",
        DISTRICT_ONLY,
        api=True,
    ),
    Route("api counts", "GET", lambda s: f"{A}/moderation/counts", by(200), api=True, pupils=200),
    Route(
        "api item", "GET", lambda s: f"{A}/items/{s.pending.id}", by(404, teacher_a=200), api=True
    ),
    Route(
        "api approve",
        "POST",
        lambda s: f"{A}/items/{s.pending.id}/approve",
        by(404, teacher_a=200),
        api=True,
        changes=True,
    ),
    Route(
        "api return",
        "POST",
        lambda s: f"{A}/items/{s.pending.id}/return",
        by(404, teacher_a=200),
        body=lambda s: {"feedback": "Say more"},
        api=True,
        changes=True,
    ),
    Route(
        "api approve many",
        "POST",
        lambda s: f"{A}/queue/approve-many",
        by(200),
        body=lambda s: {"item_ids": [s.plain.id]},
        api=True,
        changes=False,
    ),
    Route(
        "api withdraw",
        "POST",
        lambda s: f"{A}/items/{s.approved.id}/withdraw",
        by(403, other_facilitator=404, teacher_c=404, teacher_a=200),
        api=True,
        changes=True,
    ),
    Route(
        "api hide",
        "POST",
        lambda s: f"{A}/items/{s.approved.id}/hide",
        by(403, other_facilitator=404, teacher_c=404, teacher_a=201, teacher_b=201),
        body=lambda s: {"reason": "unkind"},
        api=True,
        changes=True,
    ),
    Route(
        "api reports",
        "GET",
        lambda s: f"{A}{D.format(s.world.district.id)}/reports",
        DISTRICT_ONLY,
        api=True,
    ),
    Route(
        "api decide",
        "POST",
        lambda s: f"{A}/reports/{s.report.id}/decide",
        by(404, admin=200, facilitator=200),
        body=lambda s: {"decision": "remove"},
        api=True,
        changes=True,
    ),
    Route(
        "api class log",
        "GET",
        lambda s: f"{A}/classes/{s.world.class_a.id}/moderation-log",
        by(403, teacher_a=200),
        api=True,
    ),
    Route(
        "api district log",
        "GET",
        lambda s: f"{A}{D.format(s.world.district.id)}/moderation-log",
        DISTRICT_ONLY,
        api=True,
    ),
    Route(
        "api watch words",
        "GET",
        lambda s: f"{A}{D.format(s.world.district.id)}/watch-words",
        DISTRICT_ONLY,
        api=True,
    ),
    Route(
        "api add watch words",
        "POST",
        lambda s: f"{A}{D.format(s.world.district.id)}/watch-words",
        by(403, admin=201, facilitator=201),
        body=lambda s: {"words": ["Oakfield Estate"]},
        api=True,
        changes=True,
    ),
    Route(
        "api remove watch word",
        "DELETE",
        lambda s: f"{A}{D.format(s.world.district.id)}/watch-words?word=Moorside",
        by(403, admin=200, facilitator=200),
        api=True,
        changes=True,
    ),
    Route(
        "api raise concern",
        "POST",
        lambda s: f"{A}/concerns",
        by(404, admin=403, facilitator=403, other_facilitator=403, teacher_a=201),
        body=lambda s: {"pupil_id": s.world.pupil_a.id, "details": "Worried"},
        api=True,
        changes=True,
    ),
    Route("api concerns", "GET", lambda s: f"{A}/concerns", by(403), api=True),
    Route("api concern", "GET", lambda s: f"{A}/concerns/{s.concern.id}", by(404), api=True),
    Route(
        "api acknowledge",
        "POST",
        lambda s: f"{A}/concerns/{s.concern.id}/acknowledge",
        by(404),
        api=True,
        changes=True,
    ),
]


@pytest.fixture(scope="module")
def mapp(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app for the whole module (building one per route would dominate its run time), with
    the test note channel registered."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("uploads")))
    previous = services._CHANNELS.get(ItemKind.REFLECTION)
    services.register_channel(NoteChannel())
    with app.app_context():
        yield app
        empty_database()
    if previous is not None:
        services.register_channel(previous)


def as_user(app: Any, actor: Any) -> Any:
    """A browser signed in as `actor`."""
    return sign_in_client(app, actor)


def build_scene() -> Scene:
    """A fresh world and scene on an empty database."""
    empty_database()
    NOTES.clear()
    return Scene(make_world(), NOTES)


def snapshot() -> tuple:
    """Everything a moderation route could change."""
    db.session.expire_all()
    items = db.session.scalars(select(ModerationItem).order_by(ModerationItem.id))
    return (
        [(i.id, i.state, i.stage, i.feedback) for i in items],
        [(r.id, r.status) for r in db.session.scalars(select(Report).order_by(Report.id))],
        [
            (c.id, c.status)
            for c in db.session.scalars(
                select(SafeguardingConcern).order_by(SafeguardingConcern.id)
            )
        ],
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        [d.watch_words for d in db.session.scalars(select(District).order_by(District.id))],
    )


def call(browser: Any, route: Route, scene: Scene) -> Any:
    """Make the route's request as this browser."""
    url, body = route.url(scene), route.body(scene)
    if route.api:
        return browser.open(url, method=route.method, json=body if route.method != "GET" else None)
    return browser.open(url, method=route.method, data=body or None)


@pytest.mark.parametrize("route", PAGES + API, ids=[r.name for r in PAGES + API])
def test_every_role(route, mapp):
    scene = build_scene()
    allowed = []
    for role in ROLES:
        expected = route.expected(role)
        if route.changes and expected in OK and role in STAFF:
            allowed.append(role)
            continue
        before = snapshot()
        response = call(as_user(mapp, scene.world.actor(role)), route, scene)
        assert response.status_code == expected, (role, response.get_data(as_text=True)[:300])
        if role == "anonymous" and not route.api:
            assert response.headers["Location"].startswith("/sign-in")
        if route.changes:
            assert snapshot() == before, f"{role} was refused but something changed"
    for role in allowed:
        scene = build_scene()
        before = snapshot()
        response = call(as_user(mapp, scene.world.actor(role)), route, scene)
        assert response.status_code == route.expected(role), (
            role,
            response.get_data(as_text=True)[:300],
        )
        assert snapshot() != before, f"{role} was allowed but nothing changed"


def test_bulk_approval_approves_nothing_for_anyone_but_the_pupils_teacher(mapp):
    for role in STAFF:
        scene = build_scene()
        as_user(mapp, scene.world.actor(role)).post(
            "/queue/approve-unflagged", data={"item_id": [str(scene.plain.id)]}
        )
        as_user(mapp, scene.world.actor(role)).post(
            "/api/v1/queue/approve-many", json={"item_ids": [scene.plain.id]}
        )
        state = db.session.get(ModerationItem, scene.plain.id)
        db.session.refresh(state)
        assert (state.state.value == "approved") == (role == "teacher_a"), role


def test_only_the_schools_lead_reads_the_restricted_log(mapp):
    scene = build_scene()
    lead = as_user(mapp, scene.lead)
    assert lead.get("/safeguarding").status_code == 200
    assert lead.get(f"/safeguarding/{scene.concern.id}").status_code == 200
    assert lead.get("/api/v1/concerns").status_code == 200
    assert lead.get(f"/api/v1/concerns/{scene.concern.id}").status_code == 200
    assert lead.post(f"/safeguarding/{scene.concern.id}/acknowledge").status_code == 303


@pytest.mark.parametrize("command", ["approve_item", "return_item"])
def test_socket_commands_for_every_role(command, mapp):
    from flask import g

    scene = build_scene()
    payload = {"item_id": scene.pending.id, "feedback": "Say more"}
    if command == "approve_item":
        payload.pop("feedback")
    g.pop("_login_user", None)
    anonymous = socketio.test_client(mapp)
    assert not anonymous.is_connected()
    expected = {role: "not_found" for role in STAFF} | {role: "forbidden" for role in PUPILS}
    expected["teacher_a"] = "ok"
    for role in [r for r in ROLES if r != "anonymous" and r != "teacher_a"] + ["teacher_a"]:
        before = snapshot()
        g.pop("_login_user", None)
        raw = socketio.test_client(mapp, flask_test_client=as_user(mapp, scene.world.actor(role)))
        ack = FreshSocket(raw).emit(command, payload, callback=True)
        raw.disconnect()
        outcome = "ok" if ack["ok"] else ack["error"]
        assert outcome == expected[role], (role, ack)
        if role != "teacher_a":
            assert snapshot() == before


def test_every_moderation_route_is_in_the_matrix(mapp):
    """A new moderation page or endpoint must join PAGES or API above."""
    scene = build_scene()
    covered = {(r.method, r.url(scene).split("?")[0]) for r in PAGES + API}
    shapes = {(m, _shape(u)) for m, u in covered}
    missing = []
    for rule in mapp.url_map.iter_rules():
        if not rule.endpoint.startswith(("moderation.", "api_moderation.")):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, _shape(rule.rule)) not in shapes:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "\n".join(missing)


def _shape(path: str) -> tuple[str, ...]:
    """'/items/12/hide' and '/items/<int:item_id>/hide' have the same shape."""
    return tuple(
        "*" if part.isdigit() or part.startswith("<") else part
        for part in path.strip("/").split("/")
    )
