"""API: links between classes."""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from exchange.accounts import schemas, services
from exchange.accounts.api import blp
from exchange.accounts.api.common import actor, refusals


@blp.route("/districts/<int:district_id>/links", methods=["GET"])
@login_required
@blp.response(200, schemas.LinkSchema(many=True))
@refusals(401, 404)
def list_links(district_id: int) -> list[Any]:
    """The district's links, open ones first."""
    return services.links_of_district(actor(), district_id)


@blp.route("/links", methods=["POST"])
@login_required
@blp.arguments(schemas.LinkArgs)
@blp.response(201, schemas.LinkSchema)
@refusals(401, 403, 404, 409, 422)
def create_link(args: dict[str, Any]) -> Any:
    """Propose a link between two classes of different schools in one district."""
    return services.create_link(
        actor(),
        args["class_a_id"],
        args["class_b_id"],
        args["academic_year"],
        args["approval_policy"],
        args["phase"],
    )


@blp.route("/links/<int:link_id>", methods=["GET"])
@login_required
@blp.response(200, schemas.LinkSchema)
@refusals(401, 404)
def get_link(link_id: int) -> Any:
    """A link: its classes' members and the district's facilitators may see it."""
    return services.find_link(actor(), link_id)


@blp.route("/links/<int:link_id>", methods=["PATCH"])
@login_required
@blp.arguments(schemas.LinkUpdateArgs)
@blp.response(200, schemas.LinkSchema)
@refusals(401, 403, 404, 409, 422)
def update_link(args: dict[str, Any], link_id: int) -> Any:
    """Change a link's phase or approval policy."""
    return services.update_link(
        actor(), link_id, phase=args["phase"], approval_policy=args["approval_policy"]
    )


@blp.route("/links/<int:link_id>/confirm", methods=["POST"])
@login_required
@blp.response(200, schemas.LinkSchema)
@refusals(401, 403, 404, 409)
def confirm_link(link_id: int) -> Any:
    """A teacher confirms the link for their class; the second confirmation activates it."""
    return services.confirm_link(actor(), link_id)


@blp.route("/links/<int:link_id>/archive", methods=["POST"])
@login_required
@blp.response(200, schemas.LinkSchema)
@refusals(401, 403, 404, 409)
def archive_link(link_id: int) -> Any:
    """Archive a link at the end of its year."""
    return services.archive_link(actor(), link_id)
