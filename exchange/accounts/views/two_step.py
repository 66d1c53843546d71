"""Two-step sign-in pages: the code after the password, setting it up, turning it off, and
the admin's page (require it for a district, reset a lost authenticator)."""

from __future__ import annotations

import time
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired

from exchange import authz
from exchange.accounts import sessions, totp
from exchange.accounts.models import Role, User
from exchange.accounts.views import bp
from exchange.accounts.views.helpers import actor, refused
from exchange.errors import DomainError, Forbidden, NotFound
from exchange.extensions import db
from exchange.nav import NavItem, nav_source

# Between a right password and the code: who, at which session version, since when, and
# where to go next. Not signed in until the second step is done.
PENDING = "two_step_pending"
SETUP = "two_step_secret"
PENDING_SECONDS = 5 * 60


class CodeForm(FlaskForm):
    """The 6-digit code from an authenticator app."""

    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired()],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9 ]*",
            "maxlength": "9",
        },
    )


def after_password(user: User, next_url: str | None) -> Response:
    """A right password: sign in, or ask for the code, or have the user set two-step up first."""
    step = totp.next_step(user)
    if step is None:
        sessions.start_session(user)
        return redirect(next_url or url_for("accounts.home"))
    # A fresh session: nothing from before the password (a planted session) carries over.
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "version": user.session_version,
        "at": int(time.time()),
        "next": next_url,
    }
    return redirect(
        url_for("accounts.two_step_code" if step == "code" else "accounts.two_step_enrol")
    )


def _pending_user() -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right a moment ago, while that is still fresh."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    user = db.session.get(User, pending.get("user") or 0)
    fresh = int(time.time()) - int(pending.get("at") or 0) <= PENDING_SECONDS
    if user is None or not user.active or user.session_version != pending.get("version"):
        fresh = False
    if not fresh:
        session.pop(PENDING, None)
        session.pop(SETUP, None)
        return None
    return user, pending


def _start_again() -> Response:
    flash("Please sign in again.", "error")
    return redirect(url_for("accounts.sign_in"))


def _signed_in(user: User, pending: dict[str, Any]) -> Response:
    sessions.start_session(user)
    return redirect(pending.get("next") or url_for("accounts.home"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def two_step_code():  # noqa: ANN201
    """The second step: the code from the authenticator app."""
    found = _pending_user()
    if found is None:
        return _start_again()
    user, pending = found
    form = CodeForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                totp.verify_code(user, form.code.data)
            except DomainError as exc:
                status = refused(form, exc)
            else:
                return _signed_in(user, pending)
    return render_template("accounts/two_step_code.html", form=form), status


def _setup_secret() -> str:
    """The secret being set up in this browser (made once, kept until confirmed)."""
    secret = session.get(SETUP)
    if not isinstance(secret, str):
        secret = session[SETUP] = totp.new_secret()
    return secret


@bp.route("/sign-in/two-step-setup", methods=["GET", "POST"])
def two_step_enrol():  # noqa: ANN201
    """The district requires two-step sign-in and this user has not set it up yet."""
    found = _pending_user()
    if found is None:
        return _start_again()
    user, pending = found
    secret = _setup_secret()
    form = CodeForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                totp.enrol(user, secret, form.code.data)
            except DomainError as exc:
                status = refused(form, exc)
            else:
                flash("Two-step sign-in is on.", "success")
                return _signed_in(user, pending)
    return render_template(
        "accounts/two_step_setup.html",
        form=form,
        setup=totp.setup_view(user, secret),
        required=True,
    ), status


def _staff() -> User:
    """The signed-in staff member (pupils have no two-step sign-in)."""
    user = actor()
    if not authz.is_staff(user):
        raise NotFound("Pupils sign in with their class code.")
    return user


@bp.get("/account/two-step")
@login_required
def two_step_account():  # noqa: ANN201
    """A staff member's two-step sign-in: on or off, and how to change it."""
    user = _staff()
    return render_template(
        "accounts/two_step_account.html",
        enrolled=totp.enrolled(user),
        required=totp.required(user),
        form=CodeForm(),
    )


@bp.route("/account/two-step/setup", methods=["GET", "POST"])
@login_required
def two_step_setup():  # noqa: ANN201
    """Set two-step sign-in up: scan the QR code, then type a code to prove it works."""
    user = _staff()
    if totp.enrolled(user):
        return redirect(url_for("accounts.two_step_account"))
    secret = _setup_secret()
    form = CodeForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                totp.enrol(user, secret, form.code.data)
            except DomainError as exc:
                status = refused(form, exc)
            else:
                sessions.start_session(user)
                flash("Two-step sign-in is on. Other devices have been signed out.", "success")
                return redirect(url_for("accounts.two_step_account"))
    return render_template(
        "accounts/two_step_setup.html",
        form=form,
        setup=totp.setup_view(user, secret),
        required=False,
    ), status


@bp.post("/account/two-step/off")
@login_required
def two_step_off():  # noqa: ANN201
    """Turn two-step sign-in off, with a current code."""
    user = _staff()
    form = CodeForm()
    status = 422
    if form.validate_on_submit():
        try:
            totp.disable(user, form.code.data)
        except DomainError as exc:
            status = refused(form, exc)
        else:
            sessions.start_session(user)
            flash("Two-step sign-in is off.", "success")
            return redirect(url_for("accounts.two_step_account"))
    return render_template(
        "accounts/two_step_account.html",
        enrolled=totp.enrolled(user),
        required=totp.required(user),
        form=form,
    ), status


def _admin() -> User:
    user = actor()
    if not authz.is_staff(user) or user.role != Role.ADMIN:
        raise Forbidden("Only an administrator can do this.")
    return user


@bp.get("/admin/two-step")
@login_required
def two_step_admin():  # noqa: ANN201
    """Admins: which districts require two-step sign-in, and who has it on."""
    return render_template("accounts/two_step_admin.html", **totp.overview(_admin()))


@bp.post("/admin/two-step/districts/<int:district_id>")
@login_required
def two_step_require(district_id: int):  # noqa: ANN201
    """Require (or stop requiring) two-step sign-in for a district's staff."""
    on = request.form.get("required") == "on"
    district = totp.set_required(_admin(), district_id, on)
    flash(f"{district.name}: two-step sign-in is {'required' if on else 'optional'}.", "success")
    return redirect(url_for("accounts.two_step_admin"))


@bp.post("/admin/two-step/staff/<int:user_id>/reset")
@login_required
def two_step_reset(user_id: int):  # noqa: ANN201
    """Clear a staff member's lost authenticator (they set it up again)."""
    user = totp.reset(_admin(), user_id)
    flash(f"Two-step sign-in of {user.display_name} was reset; they are signed out.", "success")
    return redirect(url_for("accounts.two_step_admin"))


@nav_source
def _two_step_nav(user: Any) -> list[NavItem]:
    """Staff find their account security here; admins also the district setting and resets."""
    if not authz.is_staff(user):
        return []
    items = [NavItem("Account security", url_for("accounts.two_step_account"), 95, key="security")]
    if user.role == Role.ADMIN:
        items.append(NavItem("Two-step sign-in", url_for("accounts.two_step_admin"), 90, key="2fa"))
    return items
