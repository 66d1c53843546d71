"""Authorisation matrix of the accounts area: every role against every page and API route.

Roles (tests.factories.ROLES): admin, facilitator of this district, facilitator of another
district, teacher of class A, teacher of the partner class B, teacher of an unrelated class C,
pupils of A, B and C, and anonymous. The rule the routes follow: what a user may not see answers
404 (its existence is not revealed); what they may see but not change answers 403; anonymous
visitors are sent to the sign-in page (pages) or get 401 (API).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from exchange import create_app
from exchange.accounts import services
from exchange.accounts.models import Invitation
from exchange.extensions import db
from tests import factories
from tests.conftest import _config, empty_database, sign_in_client

ROLES = factories.ROLES
STAFF = ["admin", "facilitator", "other_facilitator", "teacher_a", "teacher_b", "teacher_c"]
PUPILS = ["pupil_a", "pupil_b", "pupil_c"]
SIGNED_IN = STAFF + PUPILS


@pytest.fixture(scope="module")
def matrix_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app for the whole matrix (building one per route would dominate its run time)."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        yield app


@pytest.fixture
def mapp(matrix_app: Any) -> Any:
    """The matrix's app, on a database emptied after each test."""
    yield matrix_app
    empty_database()


@dataclass
class Cast:
    """The standard world plus what some routes need: a proposed link, an invitation ..."""

    world: factories.World
    ids: dict[str, Any]

    def actor(self, role: str) -> Any:
        """The account playing a role."""
        return self.world.actor(role)


def build_cast() -> Cast:
    """The world, a proposed link C-D, a pending invitation, a spare teacher of school A."""
    world = factories.make_world()
    class_d = factories.make_classroom(world.school_b, "Class 4D")
    factories.make_teacher(class_d)
    proposed = factories.make_link(world.class_c, class_d, active=False)
    spare = factories.make_user(school_id=world.school_a.id, district_id=world.district.id)
    db.session.commit()
    invitation, token = services.invite_staff(
        world.facilitator, world.district.id, "invitee@example.org", school_id=world.school_a.id
    )
    card = services.issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a2.id])[0]
    ids = {
        "district": world.district.id,
        "school_a": world.school_a.id,
        "class_a": world.class_a.id,
        "class_c": world.class_c.id,
        "link": world.link.id,
        "proposed": proposed.id,
        "pupil_a": world.pupil_a.id,
        "pupil_a2": world.pupil_a2.id,
        "teacher_a": world.teacher_a.id,
        "spare": spare.id,
        "invitation": invitation.id,
        "token": token,
        "card": card.token,
    }
    return Cast(world, ids)


def statuses(default: int, anonymous: int, **by_role: int) -> dict[str, int]:
    """Expected status per role: `default` for signed-in roles not named, `anonymous` for anon."""
    table = {role: default for role in SIGNED_IN}
    table.update(by_role)
    table["anonymous"] = anonymous
    return table


def overseers(ok: int, anonymous: int) -> dict[str, int]:
    """Only the admin and this district's facilitator; everyone else cannot see it."""
    return statuses(404, anonymous, admin=ok, facilitator=ok)


def class_a_teacher(ok: int, anonymous: int) -> dict[str, int]:
    """Only class A's teacher; the district's overseers may see the class but not change it."""
    return statuses(404, anonymous, teacher_a=ok, admin=403, facilitator=403)


def link_viewers(ok: int, anonymous: int) -> dict[str, int]:
    """Both classes' members and the district's overseers."""
    return statuses(
        404, anonymous, admin=ok, facilitator=ok, teacher_a=ok, teacher_b=ok, pupil_a=ok, pupil_b=ok
    )


def link_managers(ok: int, anonymous: int) -> dict[str, int]:
    """The district's overseers change a link; its members may see it but not change it."""
    members = {r: 403 for r in ["teacher_a", "teacher_b", "pupil_a", "pupil_b"]}
    return {**link_viewers(403, anonymous), **members, "admin": ok, "facilitator": ok}


PAGE, API = 302, 401  # what anonymous visitors get from pages and from the API
NEW_LINK = {
    "class_a_id": "{class_a}",
    "class_b_id": "{class_c}",
    "academic_year": "2027-28",
    "approval_policy": "sender",
    "phase": "1",
}
NEW_PASSWORD = "violet canyon drum"

ROUTES: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    # ---- pages -------------------------------------------------------------------------------
    (
        "GET",
        "/",
        None,
        statuses(200, PAGE, facilitator=302, other_facilitator=302, pupil_a=302, pupil_b=302),
    ),
    ("GET", "/sign-in", None, statuses(302, 200)),
    (
        "POST",
        "/sign-in",
        {"email": "c@example.org", "password": factories.PASSWORD},
        statuses(302, 302),
    ),
    ("POST", "/sign-in/forget-class", None, statuses(302, 302)),
    ("POST", "/sign-in/pupils/{pupil_a}", {"secret": factories.PIN}, statuses(302, 302)),
    ("POST", "/sign-in/class", {"class_code": "OAK5A"}, statuses(302, 302)),
    ("GET", "/sign-in/names", None, statuses(302, 302)),
    ("GET", "/sign-in/pupils/{pupil_a}", None, statuses(302, 302)),
    ("GET", "/card", None, statuses(200, 200)),
    ("POST", "/sign-out", None, statuses(302, PAGE)),
    ("GET", "/account/password", None, statuses(200, PAGE, **{p: 404 for p in PUPILS})),
    ("GET", "/join", None, statuses(200, 200)),
    (
        "POST",
        "/join",
        {
            "token": "{token}",
            "display_name": "Ms New",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
        statuses(302, 302),
    ),
    ("GET", "/join/{token}", None, statuses(410, 410)),  # the old form, token in the path
    ("POST", "/join/{token}", None, statuses(410, 410)),
    (
        "POST",
        "/account/password",
        {"current_password": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        statuses(302, PAGE, **{p: 404 for p in PUPILS}),
    ),
    ("POST", "/districts", {"name": "Leeds"}, statuses(403, PAGE, admin=302)),
    ("GET", "/districts/{district}", None, overseers(200, PAGE)),
    (
        "POST",
        "/districts/{district}/schools",
        {"name": "Elm", "kind": "primary"},
        overseers(302, PAGE),
    ),
    (
        "POST",
        "/districts/{district}/classes",
        {"school_id": "{school_a}", "name": "6Z"},
        overseers(302, PAGE),
    ),
    (
        "POST",
        "/districts/{district}/invitations",
        {"email": "n@example.org", "school_id": "{school_a}", "classroom_id": 0},
        overseers(200, PAGE),
    ),
    (
        "POST",
        "/districts/{district}/facilitator-invitations",
        {"email": "f@example.org"},
        {**overseers(200, PAGE), "facilitator": 403},
    ),
    ("POST", "/districts/{district}/links", NEW_LINK, overseers(302, PAGE)),
    ("POST", "/invitations/{invitation}/revoke", None, overseers(302, PAGE)),
    ("POST", "/staff/{teacher_a}/dsl", {"is_dsl": "1"}, overseers(302, PAGE)),
    ("GET", "/classes/{class_a}", None, {**overseers(200, PAGE), "teacher_a": 200}),
    ("POST", "/classes/{class_a}/pupils", {"display_name": "Ivy N"}, class_a_teacher(200, PAGE)),
    (
        "POST",
        "/classes/{class_a}/teachers",
        {"teacher_id": "{spare}"},
        {**overseers(302, PAGE), "teacher_a": 403},
    ),
    ("POST", "/classes/{class_a}/unlock", None, class_a_teacher(302, PAGE)),
    ("GET", "/classes/{class_a}/cards", None, class_a_teacher(200, PAGE)),
    ("POST", "/classes/{class_a}/cards", {"pupil_ids": "{pupil_a}"}, class_a_teacher(200, PAGE)),
    ("POST", "/pupils/{pupil_a}/credential", None, class_a_teacher(200, PAGE)),
    ("POST", "/pupils/{pupil_a}/unlock", None, class_a_teacher(302, PAGE)),
    ("POST", "/pupils/{pupil_a}/active", {"active": "0"}, class_a_teacher(302, PAGE)),
    ("POST", "/pupils/{pupil_a}/consent", {"consent_photo": "y"}, class_a_teacher(302, PAGE)),
    ("POST", "/pupils/{pupil_a}/name", {"display_name": "Aisha B"}, class_a_teacher(302, PAGE)),
    ("POST", "/pupils/{pupil_a2}/card/revoke", None, class_a_teacher(302, PAGE)),
    ("GET", "/links/{link}", None, link_viewers(200, PAGE)),
    (
        "POST",
        "/links/{proposed}/confirm",
        None,
        statuses(404, PAGE, admin=403, facilitator=403, teacher_c=302, pupil_c=403),
    ),
    (
        "POST",
        "/links/{link}/settings",
        {"phase": "2", "approval_policy": "dual"},
        link_managers(302, PAGE),
    ),
    ("POST", "/links/{link}/archive", None, link_managers(302, PAGE)),
    # ---- API ---------------------------------------------------------------------------------
    ("GET", "/api/v1/session", None, statuses(200, 200)),
    (
        "POST",
        "/api/v1/session/staff",
        {"email": "c@example.org", "password": factories.PASSWORD},
        statuses(200, 200),
    ),
    ("POST", "/api/v1/session/pupil/class", {"class_code": "OAK5A"}, statuses(200, 200)),
    (
        "POST",
        "/api/v1/session/pupil",
        {"class_code": "OAK5A", "pupil_id": "{pupil_a}", "secret": factories.PIN},
        statuses(200, 200),
    ),
    ("POST", "/api/v1/session/card", {"token": "{card}"}, statuses(200, 200)),
    ("DELETE", "/api/v1/session", None, statuses(200, API)),
    (
        "PUT",
        "/api/v1/account/password",
        {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD},
        statuses(200, API, **{p: 404 for p in PUPILS}),
    ),
    ("GET", "/api/v1/home", None, statuses(200, API)),
    ("GET", "/api/v1/districts", None, statuses(200, API)),
    ("POST", "/api/v1/districts", {"name": "Leeds"}, statuses(403, API, admin=201)),
    ("GET", "/api/v1/districts/{district}", None, overseers(200, API)),
    (
        "POST",
        "/api/v1/districts/{district}/schools",
        {"name": "Elm", "kind": "special"},
        overseers(201, API),
    ),
    ("POST", "/api/v1/schools/{school_a}/classes", {"name": "6Z"}, overseers(201, API)),
    ("GET", "/api/v1/classes/{class_a}", None, {**overseers(200, API), "teacher_a": 200}),
    (
        "POST",
        "/api/v1/classes/{class_a}/teachers",
        {"teacher_id": "{spare}"},
        {**overseers(200, API), "teacher_a": 403},
    ),
    ("GET", "/api/v1/districts/{district}/staff", None, overseers(200, API)),
    ("PUT", "/api/v1/staff/{teacher_a}/dsl", {"is_dsl": True}, overseers(200, API)),
    ("GET", "/api/v1/districts/{district}/invitations", None, overseers(200, API)),
    (
        "POST",
        "/api/v1/districts/{district}/invitations",
        {"email": "n@example.org", "school_id": "{school_a}"},
        overseers(201, API),
    ),
    ("DELETE", "/api/v1/invitations/{invitation}", None, overseers(200, API)),
    ("POST", "/api/v1/invitations/check", {"token": "{token}"}, statuses(200, 200)),
    (
        "POST",
        "/api/v1/invitations/accept",
        {"token": "{token}", "display_name": "Ms New", "password": "saffron kettle moss"},
        statuses(201, 201),
    ),
    ("GET", "/api/v1/districts/{district}/links", None, overseers(200, API)),
    ("POST", "/api/v1/links", NEW_LINK, {**overseers(201, API), "teacher_a": 403}),
    ("GET", "/api/v1/links/{link}", None, link_viewers(200, API)),
    ("PATCH", "/api/v1/links/{link}", {"phase": 3}, link_managers(200, API)),
    (
        "POST",
        "/api/v1/links/{proposed}/confirm",
        None,
        statuses(404, API, admin=403, facilitator=403, teacher_c=200, pupil_c=403),
    ),
    ("POST", "/api/v1/links/{link}/archive", None, link_managers(200, API)),
    ("GET", "/api/v1/classes/{class_a}/pupils", None, class_a_teacher(200, API)),
    (
        "POST",
        "/api/v1/classes/{class_a}/pupils",
        {"display_name": "Ivy N"},
        class_a_teacher(201, API),
    ),
    ("PATCH", "/api/v1/pupils/{pupil_a}", {"consent_work": False}, class_a_teacher(200, API)),
    ("POST", "/api/v1/pupils/{pupil_a}/credential", {}, class_a_teacher(200, API)),
    ("POST", "/api/v1/pupils/{pupil_a}/unlock", None, class_a_teacher(200, API)),
    ("DELETE", "/api/v1/pupils/{pupil_a2}/card", None, class_a_teacher(200, API)),
    (
        "POST",
        "/api/v1/classes/{class_a}/cards",
        {"pupil_ids": ["{pupil_a}"]},
        class_a_teacher(201, API),
    ),
    ("POST", "/api/v1/classes/{class_a}/unlock", None, class_a_teacher(200, API)),
    # ---- two-step sign-in (exchange/accounts/views/two_step.py, api/two_step.py) -----------
    ("GET", "/sign-in/code", None, statuses(302, 302)),
    ("POST", "/sign-in/code", {"code": "000000"}, statuses(302, 302)),
    ("GET", "/sign-in/two-step-setup", None, statuses(302, 302)),
    ("POST", "/sign-in/two-step-setup", {"code": "000000"}, statuses(302, 302)),
    ("GET", "/account/two-step", None, statuses(200, PAGE, **{p: 404 for p in PUPILS})),
    ("GET", "/account/two-step/setup", None, statuses(200, PAGE, **{p: 404 for p in PUPILS})),
    (
        "POST",
        "/account/two-step/setup",
        {"code": "000000"},
        statuses(422, PAGE, **{p: 404 for p in PUPILS}),
    ),
    (
        "POST",
        "/account/two-step/off",
        {"code": "000000"},
        statuses(409, PAGE, **{p: 404 for p in PUPILS}),
    ),
    ("GET", "/admin/two-step", None, statuses(403, PAGE, admin=200)),
    (
        "POST",
        "/admin/two-step/districts/{district}",
        {"required": "on"},
        statuses(403, PAGE, admin=302),
    ),
    ("POST", "/admin/two-step/staff/{teacher_a}/reset", None, statuses(403, PAGE, admin=409)),
    ("GET", "/api/v1/account/two-step", None, statuses(200, API, **{p: 404 for p in PUPILS})),
    ("POST", "/api/v1/account/two-step", None, statuses(201, API, **{p: 404 for p in PUPILS})),
    (
        "PUT",
        "/api/v1/account/two-step",
        {"code": "000000"},
        statuses(409, API, **{p: 404 for p in PUPILS}),
    ),
    (
        "DELETE",
        "/api/v1/account/two-step",
        {"code": "000000"},
        statuses(409, API, **{p: 404 for p in PUPILS}),
    ),
    (
        "PUT",
        "/api/v1/districts/{district}/two-step",
        {"required": True},
        statuses(403, API, admin=200),
    ),
    ("DELETE", "/api/v1/staff/{teacher_a}/two-step", None, statuses(403, API, admin=409)),
]


def fill(value: Any, ids: dict[str, Any]) -> Any:
    """Put the cast's ids into a path or payload ('{class_a}' -> 3)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def call(app: Any, cast: Cast, role: str, method: str, path: str, body: Any) -> int:
    """One request by one role; returns the status."""
    browser = sign_in_client(app, cast.actor(role))
    url = fill(path, cast.ids)
    payload = fill(body, cast.ids)
    if method == "GET":
        return browser.get(url).status_code
    if url.startswith("/api/"):
        return browser.open(url, method=method, json=payload or {}).status_code
    return browser.open(url, method=method, data=payload or {}).status_code


def test_every_route_is_in_the_matrix(mapp):
    """A new accounts route must be added to the matrix."""
    covered = {(m, p.split("?")[0]) for m, p, _, _ in ROUTES}
    missing = []
    for rule in mapp.url_map.iter_rules():
        if not (rule.endpoint.startswith("accounts.") or rule.endpoint.startswith("api_accounts.")):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not any(m == method and _same_shape(p, path) for m, p in covered):
                missing.append(f"{method} {rule.rule}")
    assert not missing, "\n".join(missing)


def _same_shape(pattern: str, rule: str) -> bool:
    """'/classes/{class_a}' has the shape of '/classes/{classroom_id}'."""
    a, b = pattern.strip("/").split("/"), rule.strip("/").split("/")
    return len(a) == len(b) and all(
        x == y or (x.startswith("{") and y.startswith("{")) for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    ROUTES,
    ids=[f"{m} {p}" for m, p, _, _ in ROUTES],
)
def test_route_answers_each_role_as_expected(mapp, method, path, body, expected):
    assert set(expected) == set(ROLES)
    cast = build_cast()
    answers = {}
    for role in ROLES:
        answers[role] = call(mapp, cast, role, method, path, body)
        if method != "GET" and answers[role] < 400:
            # The action happened: start the next role from the same untouched cast.
            empty_database()
            cast = build_cast()
    assert answers == expected


def test_refused_actions_change_nothing(mapp):
    """Spot check: a refused invitation withdrawal leaves the invitation usable."""
    cast = build_cast()
    for role in ["teacher_a", "pupil_a", "other_facilitator"]:
        call(mapp, cast, role, "POST", "/invitations/{invitation}/revoke", None)
    invitation = db.session.get(Invitation, cast.ids["invitation"])
    db.session.refresh(invitation)
    assert services.invitation_by_token(cast.ids["token"]) == invitation
