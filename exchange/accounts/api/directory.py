"""API: districts, schools, classes, staff and invitations."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import login_required

from exchange.accounts import schemas, services, sessions
from exchange.accounts.api import blp
from exchange.accounts.api.common import actor, refusals, session_body
from exchange.accounts.views.helpers import public_url


@blp.route("/districts", methods=["GET"])
@login_required
@blp.response(200, schemas.DistrictSchema(many=True))
@refusals(401)
def list_districts() -> list[Any]:
    """The districts this user oversees (all for an admin, their own for a facilitator)."""
    return services.districts_for(actor())


@blp.route("/districts", methods=["POST"])
@login_required
@blp.arguments(schemas.DistrictArgs)
@blp.response(201, schemas.DistrictSchema)
@refusals(401, 403, 409, 422)
def create_district(args: dict[str, Any]) -> Any:
    """An admin creates a district."""
    return services.create_district(actor(), args["name"])


@blp.route("/districts/<int:district_id>", methods=["GET"])
@login_required
@blp.response(200, schemas.DistrictDetailSchema)
@refusals(401, 404)
def get_district(district_id: int) -> Any:
    """A district with its schools and classes."""
    return services.find_district(actor(), district_id)


@blp.route("/districts/<int:district_id>/schools", methods=["POST"])
@login_required
@blp.arguments(schemas.SchoolArgs)
@blp.response(201, schemas.SchoolSchema)
@refusals(401, 404, 409, 422)
def create_school(args: dict[str, Any], district_id: int) -> Any:
    """Register a primary, secondary or special school in the district."""
    return services.create_school(actor(), district_id, args["name"], args["kind"])


@blp.route("/schools/<int:school_id>/classes", methods=["POST"])
@login_required
@blp.arguments(schemas.ClassArgs)
@blp.response(201, schemas.ClassroomSchema)
@refusals(401, 404, 409, 422)
def create_class(args: dict[str, Any], school_id: int) -> Any:
    """Register a class in a school; it gets a fresh class code."""
    return services.create_class(actor(), school_id, args["name"], args["year_group"])


@blp.route("/classes/<int:classroom_id>", methods=["GET"])
@login_required
@blp.response(200, schemas.ClassroomSchema)
@refusals(401, 404)
def get_class(classroom_id: int) -> Any:
    """A class: its teachers and the district's facilitators may see it."""
    return services.find_class(actor(), classroom_id)


@blp.route("/classes/<int:classroom_id>/teachers", methods=["POST"])
@login_required
@blp.arguments(schemas.AssignTeacherArgs)
@blp.response(200, schemas.ClassroomSchema)
@refusals(401, 403, 404, 409, 422)
def assign_teacher(args: dict[str, Any], classroom_id: int) -> Any:
    """Add a teacher of the class's school to the class."""
    return services.assign_teacher(actor(), classroom_id, args["teacher_id"])


@blp.route("/districts/<int:district_id>/staff", methods=["GET"])
@login_required
@blp.response(200, schemas.StaffSchema(many=True))
@refusals(401, 404)
def list_staff(district_id: int) -> list[Any]:
    """The district's facilitators and teachers."""
    district = services.find_district(actor(), district_id)
    return services.staff_of_district(district.id)


@blp.route("/staff/<int:user_id>/dsl", methods=["PUT"])
@login_required
@blp.arguments(schemas.DslArgs)
@blp.response(200, schemas.StaffSchema)
@refusals(401, 404, 422)
def set_dsl(args: dict[str, Any], user_id: int) -> Any:
    """Mark a teacher as their school's designated safeguarding lead, or unmark them."""
    return services.set_dsl(actor(), user_id, args["is_dsl"])


@blp.route("/districts/<int:district_id>/invitations", methods=["GET"])
@login_required
@blp.response(200, schemas.InvitationSchema(many=True))
@refusals(401, 404)
def list_invitations(district_id: int) -> list[Any]:
    """Invitations still waiting to be accepted."""
    return services.pending_invitations(actor(), district_id)


@blp.route("/districts/<int:district_id>/invitations", methods=["POST"])
@login_required
@blp.arguments(schemas.InvitationArgs)
@blp.response(201, schemas.NewInvitationSchema)
@refusals(401, 403, 404, 409, 422)
def invite(args: dict[str, Any], district_id: int) -> dict[str, Any]:
    """Invite a teacher (or, for admins, a facilitator); the link is in the answer, once."""
    invitation, token = services.invite_staff(
        actor(),
        district_id,
        args["email"],
        args["role"],
        school_id=args["school_id"],
        classroom_id=args["classroom_id"],
    )
    url = public_url(url_for("accounts.join")) + f"#token={token}"  # never in a path
    return {"invitation": invitation, "url": url}


@blp.route("/invitations/<int:invitation_id>", methods=["DELETE"])
@login_required
@blp.response(200, schemas.InvitationSchema)
@refusals(401, 403, 404, 409)
def revoke_invitation(invitation_id: int) -> Any:
    """Withdraw an invitation that has not been used."""
    return services.revoke_invitation(actor(), invitation_id)


@blp.route("/invitations/check", methods=["POST"])
@blp.arguments(schemas.InvitationTokenArgs)
@blp.response(200, schemas.InvitationSchema)
@refusals(404, 410, 422)
def check_invitation(args: dict[str, Any]) -> Any:
    """What an invitation link invites to (before accepting it)."""
    return services.invitation_by_token(args["token"])


@blp.route("/invitations/accept", methods=["POST"])
@blp.arguments(schemas.AcceptInvitationArgs)
@blp.response(201, schemas.SessionSchema)
@refusals(404, 409, 410, 422)
def accept_invitation(args: dict[str, Any]) -> dict[str, Any]:
    """Create the invited account and sign it in."""
    user = services.accept_invitation(args["token"], args["display_name"], args["password"])
    sessions.start_session(user)
    return session_body()
