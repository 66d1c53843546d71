"""API: who is signed in, signing in and out (staff, pupils, login cards), passwords, home."""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from exchange import authz
from exchange.accounts import schemas, services, sessions, totp
from exchange.accounts.api import blp
from exchange.accounts.api.common import actor, refusals, session_body
from exchange.accounts.device import device_id
from exchange.accounts.models import Role


@blp.route("/session", methods=["GET"])
@blp.response(200, schemas.SessionSchema)
def get_session() -> dict[str, Any]:
    """Who is signed in on this browser, and the CSRF token to send with unsafe requests."""
    return session_body()


@blp.route("/session/staff", methods=["POST"])
@blp.arguments(schemas.StaffSignInArgs)
@blp.response(200, schemas.SessionSchema)
@refusals(403, 422, 429)
def sign_in_staff(args: dict[str, Any]) -> dict[str, Any]:
    """Sign a teacher, facilitator or admin in with email and password (sets the session cookie).
    Accounts with two-step sign-in also send `code`; a district that requires it refuses
    accounts that have not set it up yet (403: set it up in the browser first)."""
    user = services.sign_in_staff(args["email"], args["password"])
    totp.second_step_for_api(user, args["code"])
    sessions.start_session(user)
    return session_body()


@blp.route("/session/pupil/class", methods=["POST"])
@blp.arguments(schemas.ClassCodeArgs)
@blp.response(200, schemas.ClassSignInSchema)
@refusals(404, 422, 429)
def class_for_sign_in(args: dict[str, Any]) -> dict[str, Any]:
    """The class behind a class code and the names its pupils pick from."""
    classroom, pupils = services.pupils_for_sign_in(args["class_code"], device_id())
    return {"classroom": classroom, "pupils": pupils}


@blp.route("/session/pupil", methods=["POST"])
@blp.arguments(schemas.PupilSignInArgs)
@blp.response(200, schemas.SessionSchema)
@refusals(404, 422, 429)
def sign_in_pupil(args: dict[str, Any]) -> dict[str, Any]:
    """Sign a pupil in with the class code, their id and their PIN or pictures."""
    pupil = services.sign_in_pupil(
        args["class_code"], args["pupil_id"], args["secret"], device_id()
    )
    sessions.start_session(pupil)
    return session_body()


@blp.route("/session/card", methods=["POST"])
@blp.arguments(schemas.CardSignInArgs)
@blp.response(200, schemas.SessionSchema)
@refusals(404, 422, 429)
def sign_in_with_card(args: dict[str, Any]) -> dict[str, Any]:
    """Sign a pupil in with the token from their login card's URL fragment."""
    pupil = services.sign_in_with_card(args["token"], device_id())
    sessions.start_session(pupil)
    return session_body()


@blp.route("/session", methods=["DELETE"])
@login_required
@blp.response(200, schemas.SessionSchema)
@refusals(401)
def sign_out() -> dict[str, Any]:
    """Sign out here and end every other session of this account."""
    services.sign_out(actor())
    sessions.end_session()
    return session_body()


@blp.route("/account/password", methods=["PUT"])
@login_required
@blp.arguments(schemas.PasswordChangeArgs)
@blp.response(200, schemas.SessionSchema)
@refusals(401, 404, 422, 429)
def change_password(args: dict[str, Any]) -> dict[str, Any]:
    """Change a staff member's password; other sessions end, this one carries on."""
    user = services.change_password(actor(), args["current_password"], args["new_password"])
    sessions.start_session(user)
    return session_body()


@blp.route("/home", methods=["GET"])
@login_required
@blp.response(200, schemas.HomeSchema)
@refusals(401)
def home() -> dict[str, Any]:
    """What the user's home page shows: a pupil's link, a teacher's classes, districts."""
    user = actor()
    body: dict[str, Any] = {"role": user.role.value, "districts": [], "classes": []}
    if authz.is_pupil(user):
        link = services.pupil_home_link(user)
        body["link_id"] = link.id if link else None
    elif user.role == Role.TEACHER:
        body["classes"] = services.teacher_home(user)
        body["queue_total"] = services.queue_total(user)
    else:
        body["districts"] = services.districts_for(user)
    return body
