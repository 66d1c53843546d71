"""Pages for children's data: a class's export and deleting a pupil."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from exchange import authz
from exchange.accounts.models import Classroom, Pupil
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.privacy import services

bp = Blueprint("privacy", __name__)


@bp.get("/classes/<int:classroom_id>/privacy")
@login_required
def class_privacy(classroom_id: int):  # noqa: ANN201
    """What the class's data is, how to export it, and how to delete a pupil."""
    classroom = db.session.get(Classroom, classroom_id)
    if classroom is None or not authz.teaches(current_user, classroom_id):
        abort(404)
    return render_template("privacy/class.html", classroom=classroom)


@bp.get("/classes/<int:classroom_id>/export.zip")
@login_required
def export_class(classroom_id: int) -> Response:
    """Download the class's content as a zip of HTML, JSON and pictures."""
    name, data = services.export_class(current_user, classroom_id)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/pupils/<int:pupil_id>/delete", methods=["GET", "POST"])
@login_required
def delete_pupil(pupil_id: int):  # noqa: ANN201
    """Confirm, then delete a pupil and everything they wrote."""
    pupil = db.session.get(Pupil, pupil_id)
    if pupil is None or not authz.teaches(current_user, pupil.classroom_id):
        abort(404)
    error = None
    if request.method == "POST":
        try:
            name, classroom_id = pupil.display_name, pupil.classroom_id
            result = services.delete_pupil(
                current_user, pupil_id, request.form.get("confirm_name", "")
            )
        except Invalid as exc:
            error = exc.message
        else:
            flash(
                f"{name} and everything they wrote ({result.rows} records, {result.files} files) "
                "have been deleted.",
                "success",
            )
            return redirect(url_for("privacy.class_privacy", classroom_id=classroom_id))
    return render_template(
        "privacy/delete_pupil.html", pupil=pupil, error=error
    ), 422 if error else 200
