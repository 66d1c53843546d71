"""JSON API for children's data, under /api/v1."""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from exchange.errors import Forbidden
from exchange.privacy import services

blp = Blueprint(
    "api_privacy", __name__, url_prefix="/api/v1", description="Children's data: export and delete."
)


class DeletePupilSchema(Schema):
    """Deleting a pupil needs their display name typed again."""

    confirm_name = fields.String(
        required=True, metadata={"description": "The pupil's display name"}
    )


class DeletedSchema(Schema):
    """What was deleted."""

    ok = fields.Boolean()
    rows = fields.Integer()
    files = fields.Integer()


def _signed_in() -> None:
    if not current_user.is_authenticated:
        raise Forbidden("Please sign in.")


@blp.get("/classes/<int:classroom_id>/export")
@blp.response(200, description="A zip of index.html, content.json and the pictures.")
def export_class(classroom_id: int) -> Response:
    """Export a class's content (its teachers only)."""
    _signed_in()
    name, data = services.export_class(current_user, classroom_id)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.delete("/pupils/<int:pupil_id>")
@blp.arguments(DeletePupilSchema)
@blp.response(200, DeletedSchema)
def delete_pupil(data: dict, pupil_id: int) -> dict:
    """Delete a pupil with everything they wrote (their teachers only)."""
    _signed_in()
    result = services.delete_pupil(current_user, pupil_id, data["confirm_name"])
    return {"ok": True, "rows": result.rows, "files": result.files}
