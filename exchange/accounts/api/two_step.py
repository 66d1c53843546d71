"""API: a staff member's two-step sign-in (status, set up, confirm, turn off) and the admin's
controls (require it for a district, reset a lost authenticator)."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_login import login_required
from marshmallow import Schema, fields, validate

from exchange import authz
from exchange.accounts import sessions, totp
from exchange.accounts.api import blp
from exchange.accounts.api.common import actor, refusals
from exchange.accounts.views.two_step import SETUP
from exchange.errors import Conflict, NotFound


class TwoStepSchema(Schema):
    """Whether two-step sign-in is on for this account, and whether the district requires it."""

    enrolled = fields.Boolean()
    required = fields.Boolean()


class TwoStepSetupSchema(Schema):
    """What an authenticator app needs (shown once, until confirmed with a code)."""

    otpauth_uri = fields.String()
    qr_svg = fields.String(metadata={"description": "The otpauth URI as an SVG data URI."})
    secret = fields.String(metadata={"description": "The key, in groups of four, to type in."})


class CodeArgs(Schema):
    """A code from the authenticator app."""

    code = fields.String(required=True, validate=validate.Length(max=12))


class RequiredArgs(Schema):
    """Require two-step sign-in for a district, or not."""

    required = fields.Boolean(required=True)


class DistrictTwoStepSchema(Schema):
    """A district's setting."""

    id = fields.Integer()
    name = fields.String()
    require_totp = fields.Boolean()


def _staff() -> Any:
    user = actor()
    if not authz.is_staff(user):
        raise NotFound("Two-step sign-in is for staff accounts.")
    return user


def _status(user: Any) -> dict[str, bool]:
    return {"enrolled": totp.enrolled(user), "required": totp.required(user)}


@blp.route("/account/two-step", methods=["GET"])
@login_required
@blp.response(200, TwoStepSchema)
@refusals(401, 404)
def get_two_step() -> dict[str, bool]:
    """Is two-step sign-in on for the signed-in staff member?"""
    return _status(_staff())


@blp.route("/account/two-step", methods=["POST"])
@login_required
@blp.response(201, TwoStepSetupSchema)
@refusals(401, 404, 409)
def start_two_step() -> dict[str, str]:
    """Start setting two-step sign-in up: a new key for the authenticator app (confirm with PUT)."""
    user = _staff()
    if totp.enrolled(user):
        raise Conflict("Two-step sign-in is already on.")
    session[SETUP] = totp.new_secret()
    return totp.setup_view(user, session[SETUP])


@blp.route("/account/two-step", methods=["PUT"])
@login_required
@blp.arguments(CodeArgs)
@blp.response(200, TwoStepSchema)
@refusals(401, 404, 409, 422, 429)
def confirm_two_step(args: dict[str, Any]) -> dict[str, bool]:
    """Turn two-step sign-in on with a code from the app; other sessions end."""
    user = _staff()
    secret = session.get(SETUP)
    if not isinstance(secret, str):
        raise Conflict("Start setting up two-step sign-in first (POST).")
    totp.enrol(user, secret, args["code"])
    sessions.start_session(user)
    return _status(user)


@blp.route("/account/two-step", methods=["DELETE"])
@login_required
@blp.arguments(CodeArgs)
@blp.response(200, TwoStepSchema)
@refusals(401, 404, 409, 422, 429)
def remove_two_step(args: dict[str, Any]) -> dict[str, bool]:
    """Turn two-step sign-in off with a current code (not when the district requires it)."""
    user = totp.disable(_staff(), args["code"])
    sessions.start_session(user)
    return _status(user)


@blp.route("/districts/<int:district_id>/two-step", methods=["PUT"])
@login_required
@blp.arguments(RequiredArgs)
@blp.response(200, DistrictTwoStepSchema)
@refusals(401, 403, 404, 422)
def require_two_step(args: dict[str, Any], district_id: int) -> Any:
    """Admins: require (or stop requiring) two-step sign-in for a district's staff."""
    return totp.set_required(actor(), district_id, args["required"])


@blp.route("/staff/<int:user_id>/two-step", methods=["DELETE"])
@login_required
@blp.response(200, TwoStepSchema)
@refusals(401, 403, 404, 409)
def reset_two_step(user_id: int) -> dict[str, bool]:
    """Admins: reset a staff member's lost authenticator (they are signed out)."""
    return _status(totp.reset(actor(), user_id))
