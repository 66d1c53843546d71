"""The accounts JSON API: same services and rules as the pages, 4xx answers with reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange import types
from exchange.accounts import services, throttle
from exchange.accounts.models import Link, School, User
from exchange.extensions import db
from tests import factories

GOOD_PASSWORD = "lantern pebble wander"


def test_session_tells_who_is_signed_in_and_gives_a_csrf_token(client, world):
    body = client.get("/api/v1/session").json
    assert body["signed_in"] is False and body["user"] is None and body["csrf_token"]
    signed = client.post(
        "/api/v1/session/staff", json={"email": "a@example.org", "password": factories.PASSWORD}
    ).json
    assert signed["user"]["role"] == "teacher" and signed["user"]["class_ids"] == [world.class_a.id]
    assert client.delete("/api/v1/session").json["signed_in"] is False
    assert client.get("/api/v1/home").status_code == 401


def test_wrong_staff_password_is_a_422_with_a_reason(client, world):
    response = client.post(
        "/api/v1/session/staff", json={"email": "a@example.org", "password": "nope nope"}
    )
    assert response.status_code == 422
    assert response.json == {
        "ok": False,
        "error": "invalid",
        "message": "That email and password do not match an account.",
    }


def test_pupil_signs_in_through_the_api(client, world):
    listed = client.post("/api/v1/session/pupil/class", json={"class_code": "oak5a"}).json
    assert listed["classroom"]["name"] == "Class 5A"
    assert [p["display_name"] for p in listed["pupils"]] == ["Aisha K.", "Tom R."]
    assert "sun" in listed["pictures"]
    body = client.post(
        "/api/v1/session/pupil",
        json={"class_code": "OAK5A", "pupil_id": world.pupil_a.id, "secret": "4826"},
    ).json
    assert body["user"]["kind"] == "pupil" and body["user"]["email"] is None
    assert client.get("/api/v1/home").json["link_id"] == world.link.id


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"class_code": "NOPE99", "pupil_id": 1, "secret": "4826"}, 404, "no class with the code"),
        ({"class_code": "MOOR5K", "pupil_id": None, "secret": "4826"}, 422, None),
        ({"class_code": "OAK5A", "pupil_id": "b", "secret": "4826"}, 404, "not in Class 5A"),
        ({"class_code": "OAK5A", "pupil_id": "a", "secret": "9999"}, 422, "not the right PIN"),
    ],
)
def test_pupil_sign_in_refusals_have_reasons(client, world, payload, status, message):
    ids = {"a": world.pupil_a.id, "b": world.pupil_b.id}
    payload = {**payload, "pupil_id": ids.get(payload["pupil_id"], payload["pupil_id"])}
    response = client.post("/api/v1/session/pupil", json=payload)
    assert response.status_code == status
    assert response.json["ok"] is False
    if message:
        assert message in response.json["message"]


def test_locked_pupil_gets_429_with_retry_after(client, world):
    for _ in range(throttle.PUPIL.soft + 1):
        client.post(
            "/api/v1/session/pupil",
            json={"class_code": "OAK5A", "pupil_id": world.pupil_a.id, "secret": "0000"},
        )
    response = client.post(
        "/api/v1/session/pupil",
        json={"class_code": "OAK5A", "pupil_id": world.pupil_a.id, "secret": "4826"},
    )
    assert response.status_code == 429
    assert response.json["details"]["retry_after"] >= 1


def test_unsafe_api_calls_need_the_csrf_token(csrf_app):
    factories.make_world()
    client = csrf_app.test_client()
    credentials = {"email": "a@example.org", "password": factories.PASSWORD}
    refused = client.post("/api/v1/session/staff", json=credentials)
    assert refused.status_code == 400 and refused.json["ok"] is False
    token = client.get("/api/v1/session").json["csrf_token"]
    accepted = client.post(
        "/api/v1/session/staff", json=credentials, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200
    # Signing in starts a fresh session, so the token comes anew from the answer.
    token = accepted.json["csrf_token"]
    assert client.delete("/api/v1/session").status_code == 400
    assert client.delete("/api/v1/session", headers={"X-CSRFToken": token}).status_code == 200


def test_pages_forms_need_the_csrf_token(csrf_app):
    factories.make_world()
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    page = client.get("/sign-in").get_data(as_text=True)
    assert page.count('name="csrf_token"') == 2


def test_facilitator_runs_the_district_through_the_api(as_user, world):
    api = as_user(world.facilitator)
    school = api.post(
        f"/api/v1/districts/{world.district.id}/schools",
        json={"name": "Ash Grove", "kind": "primary"},
    )
    assert school.status_code == 201
    classroom = api.post(
        f"/api/v1/schools/{school.json['id']}/classes", json={"name": "Ash 6"}
    ).json
    assert len(classroom["code"]) == 6
    invitation = api.post(
        f"/api/v1/districts/{world.district.id}/invitations",
        json={"email": "ash@example.org", "school_id": school.json["id"]},
    )
    assert invitation.status_code == 201 and "/join#token=" in invitation.json["url"]
    link = api.post(
        "/api/v1/links",
        json={"class_a_id": world.class_c.id, "class_b_id": classroom["id"], "phase": 2},
    )
    assert link.status_code == 201 and link.json["status"] == "proposed"
    assert link.json["academic_year"] == services.current_academic_year()
    patched = api.patch(f"/api/v1/links/{link.json['id']}", json={"approval_policy": "dual"})
    assert patched.json["approval_policy"] == "dual"
    assert api.put(f"/api/v1/staff/{world.teacher_c.id}/dsl", json={"is_dsl": True}).json["is_dsl"]
    staff = api.get(f"/api/v1/districts/{world.district.id}/staff").json
    assert {s["email"] for s in staff} >= {"a@example.org", "fac@example.org"}


def test_invitation_accepted_through_the_api(client, world):
    _, token = services.invite_staff(
        world.facilitator, world.district.id, "new@example.org", school_id=world.school_a.id
    )
    assert client.post("/api/v1/invitations/check", json={"token": token}).json["role"] == "teacher"
    body = {"token": token, "display_name": "Ms New", "password": GOOD_PASSWORD}
    accepted = client.post("/api/v1/invitations/accept", json=body)
    assert accepted.status_code == 201 and accepted.json["user"]["email"] == "new@example.org"
    again = client.post("/api/v1/invitations/accept", json=body)
    assert again.status_code == 410 and "already been used" in again.json["message"]


def test_expired_invitation_is_410(client, world, monkeypatch):
    _, token = services.invite_staff(
        world.facilitator, world.district.id, "late@example.org", school_id=world.school_a.id
    )
    later = types.utcnow() + timedelta(days=8)
    monkeypatch.setattr(types, "utcnow", lambda: later)
    response = client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "display_name": "Mr Late", "password": GOOD_PASSWORD},
    )
    assert response.status_code == 410 and "expired" in response.json["message"]
    assert db.session.query(User).filter_by(email="late@example.org").count() == 0


@pytest.mark.parametrize(
    ("path", "payload", "status", "message"),
    [
        (
            "/api/v1/invitations/accept",
            {"token": "x", "display_name": "A", "password": "y"},
            404,
            "not valid",
        ),
        (
            "/api/v1/districts/{district}/invitations",
            {"email": "b@example.org", "school_id": "{school}"},
            409,
            "already has an account",
        ),
        (
            "/api/v1/links",
            {"class_a_id": "{a}", "class_b_id": "{far}"},
            404,
            "could not find that class",
        ),
        ("/api/v1/links", {"class_a_id": "{a}", "class_b_id": "{same}"}, 422, "different schools"),
        (
            "/api/v1/districts/{district}/schools",
            {"name": "Oakfield Primary", "kind": "primary"},
            409,
            "already registered",
        ),
        ("/api/v1/districts/{district}/schools", {"name": "X", "kind": "castle"}, 422, None),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason_and_changes_nothing(
    as_user, world, path, payload, status, message
):
    far = factories.make_classroom(factories.make_school(world.other_district))
    same = factories.make_classroom(world.school_a, "Class 5Z")
    db.session.commit()
    values = {
        "district": world.district.id,
        "school": world.school_a.id,
        "a": world.class_a.id,
        "far": far.id,
        "same": same.id,
    }
    path = path.format(**values)
    payload = {
        k: (int(v.format(**values)) if isinstance(v, str) and v.startswith("{") else v)
        for k, v in payload.items()
    }
    counts = (db.session.query(Link).count(), db.session.query(School).count())
    response = as_user(world.facilitator).post(path, json=payload)
    assert response.status_code == status
    assert response.json["ok"] is False and response.json["message"]
    if message:
        assert message in response.json["message"]
    assert (db.session.query(Link).count(), db.session.query(School).count()) == counts


def test_teacher_manages_the_roster_through_the_api(as_user, world):
    api = as_user(world.teacher_a)
    added = api.post(
        f"/api/v1/classes/{world.class_a.id}/pupils",
        json={"display_name": "Rosa p", "credential_kind": "picture"},
    )
    assert added.status_code == 201
    assert added.json["pupil"]["display_name"] == "Rosa P."
    assert len(added.json["pictures"]) == 3
    pupil_id = added.json["pupil"]["id"]
    patched = api.patch(
        f"/api/v1/pupils/{pupil_id}", json={"consent_photo": True, "display_name": "Rosa Q"}
    )
    assert patched.json["consent_photo"] is True and patched.json["display_name"] == "Rosa Q."
    reset = api.post(f"/api/v1/pupils/{pupil_id}/credential", json={"credential_kind": "pin"})
    assert reset.json["secret"].isdigit()
    cards = api.post(f"/api/v1/classes/{world.class_a.id}/cards", json={"pupil_ids": [pupil_id]})
    assert cards.status_code == 201
    assert "/card#token=" in cards.json[0]["url"]
    rows = api.get(f"/api/v1/classes/{world.class_a.id}/pupils").json
    assert {r["pupil"]["display_name"] for r in rows} == {"Aisha K.", "Tom R.", "Rosa Q."}
    assert api.delete(f"/api/v1/pupils/{pupil_id}/card").json["has_card"] is False
    assert api.patch(f"/api/v1/pupils/{pupil_id}", json={"active": False}).json["active"] is False
    assert api.patch(f"/api/v1/pupils/{pupil_id}", json={}).status_code == 422


def test_teacher_confirms_a_link_through_the_api(as_user, world):
    link = factories.make_link(
        world.class_c, factories.make_classroom(world.school_b), active=False
    )
    db.session.commit()
    response = as_user(world.teacher_c).post(f"/api/v1/links/{link.id}/confirm")
    assert response.status_code == 200 and response.json["confirmed_a_at"]
    again = as_user(world.teacher_c).post(f"/api/v1/links/{link.id}/confirm")
    assert again.status_code == 409


def test_teacher_home_lists_classes_and_links(as_user, world):
    home = as_user(world.teacher_a).get("/api/v1/home").json
    assert home["classes"][0]["classroom"]["code"] == "OAK5A"
    assert home["classes"][0]["active_link_id"] == world.link.id


def test_openapi_document_describes_the_accounts_api(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in [
        "/api/v1/session",
        "/api/v1/session/staff",
        "/api/v1/session/pupil",
        "/api/v1/session/card",
        "/api/v1/districts/{district_id}/invitations",
        "/api/v1/links/{link_id}/confirm",
        "/api/v1/classes/{classroom_id}/cards",
        "/api/v1/pupils/{pupil_id}",
    ]:
        assert path in spec["paths"], path
    assert "422" in spec["paths"]["/api/v1/session/pupil"]["post"]["responses"]
