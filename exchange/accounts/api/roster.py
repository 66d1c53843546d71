"""API: a class's roster, pupils' credentials, consent, locks and login cards."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import login_required

from exchange.accounts import schemas, services
from exchange.accounts.api import blp
from exchange.accounts.api.common import actor, refusals
from exchange.accounts.views.helpers import public_url
from exchange.errors import Invalid


@blp.route("/classes/<int:classroom_id>/pupils", methods=["GET"])
@login_required
@blp.response(200, schemas.RosterRowSchema(many=True))
@refusals(401, 403, 404)
def list_pupils(classroom_id: int) -> list[Any]:
    """The roster, with each pupil's sign-in lock (for the class's teachers)."""
    return services.roster(actor(), classroom_id)


@blp.route("/classes/<int:classroom_id>/pupils", methods=["POST"])
@login_required
@blp.arguments(schemas.PupilArgs)
@blp.response(201, schemas.CredentialSchema)
@refusals(401, 403, 404, 409, 422)
def add_pupil(args: dict[str, Any], classroom_id: int) -> Any:
    """Add a pupil; their new PIN or picture password is in the answer, once."""
    return services.add_pupil(actor(), classroom_id, args["display_name"], args["credential_kind"])


@blp.route("/pupils/<int:pupil_id>", methods=["PATCH"])
@login_required
@blp.arguments(schemas.PupilUpdateArgs)
@blp.response(200, schemas.PupilSchema)
@refusals(401, 403, 404, 409, 422)
def update_pupil(args: dict[str, Any], pupil_id: int) -> Any:
    """Rename a pupil, record consent, or disable (signing them out everywhere) / enable them."""
    if not args:
        raise Invalid("Send at least one of display_name, consent_photo, consent_work, active.")
    user = actor()
    pupil = services.manageable_pupil(user, pupil_id)
    if "display_name" in args:
        pupil = services.rename_pupil(user, pupil_id, args["display_name"])
    if "consent_photo" in args or "consent_work" in args:
        pupil = services.set_consent(
            user, pupil_id, photo=args.get("consent_photo"), work=args.get("consent_work")
        )
    if "active" in args:
        pupil = services.set_pupil_active(user, pupil_id, args["active"])
    return pupil


@blp.route("/pupils/<int:pupil_id>/credential", methods=["POST"])
@login_required
@blp.arguments(schemas.CredentialArgs)
@blp.response(200, schemas.CredentialSchema)
@refusals(401, 403, 404, 422)
def reset_credential(args: dict[str, Any], pupil_id: int) -> Any:
    """Give a pupil a new PIN or picture password (in the answer, once); their sessions end."""
    return services.reset_credential(actor(), pupil_id, args["credential_kind"])


@blp.route("/pupils/<int:pupil_id>/unlock", methods=["POST"])
@login_required
@blp.response(200, schemas.PupilSchema)
@refusals(401, 403, 404)
def unlock_pupil(pupil_id: int) -> Any:
    """Lift a pupil's sign-in lock."""
    return services.unlock_pupil(actor(), pupil_id)


@blp.route("/pupils/<int:pupil_id>/card", methods=["DELETE"])
@login_required
@blp.response(200, schemas.PupilSchema)
@refusals(401, 403, 404)
def revoke_card(pupil_id: int) -> Any:
    """Stop a pupil's printed login card from working."""
    return services.revoke_card(actor(), pupil_id)


@blp.route("/classes/<int:classroom_id>/cards", methods=["POST"])
@login_required
@blp.arguments(schemas.CardsArgs)
@blp.response(201, schemas.CardSchema(many=True))
@refusals(401, 403, 404, 422)
def issue_cards(args: dict[str, Any], classroom_id: int) -> list[dict[str, Any]]:
    """New login cards (earlier ones of those pupils stop working); URLs are shown once."""
    cards = services.issue_cards(
        actor(), classroom_id, args["pupil_ids"], args["reset_credentials"]
    )
    base = public_url(url_for("accounts.card"))
    return [
        {"pupil": c.pupil, "url": f"{base}#token={c.token}", "credential": c.credential}
        for c in cards
    ]


@blp.route("/classes/<int:classroom_id>/unlock", methods=["POST"])
@login_required
@blp.response(200, schemas.ClassroomSchema)
@refusals(401, 403, 404)
def unlock_class(classroom_id: int) -> Any:
    """Lift the lock on the class code and on the class's tablets."""
    return services.unlock_class(actor(), classroom_id)
