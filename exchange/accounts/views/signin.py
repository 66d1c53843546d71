"""Sign-in pages: staff by email and password, pupils by class code and PIN, pictures or card."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from exchange.accounts import services, sessions
from exchange.accounts.credentials import PICTURES
from exchange.accounts.device import device_id
from exchange.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ClassCodeForm,
    PictureForm,
    PinForm,
    StaffSignInForm,
)
from exchange.accounts.models import CredentialKind
from exchange.accounts.views import bp, two_step
from exchange.accounts.views.helpers import actor, refused, safe_next
from exchange.errors import DomainError, Gone, NotFound

# The class a tablet last signed in to; kept across a pupil's sign-out so the next pupil
# goes straight to the list of names.
CLASS_KEY = "sign_in_class_code"


def _sign_in_page(staff: StaffSignInForm, pupil: ClassCodeForm, status: int = 200):  # noqa: ANN202
    """The sign-in page with both forms."""
    remembered = session.get(CLASS_KEY)
    return render_template(
        "accounts/sign_in.html", staff_form=staff, class_form=pupil, remembered=remembered
    ), status


@bp.get("/sign-in")
def sign_in():  # noqa: ANN201
    """The sign-in page: staff by email and password, pupils by class code."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    return _sign_in_page(StaffSignInForm(), ClassCodeForm())


@bp.post("/sign-in")
def sign_in_staff():  # noqa: ANN201
    """Check a staff member's email and password."""
    form = StaffSignInForm()
    status = 422
    if form.validate_on_submit():
        try:
            user = services.sign_in_staff(form.email.data, form.password.data)
        except DomainError as exc:
            status = refused(form, exc)
        else:
            # Signed in now, or after the two-step code (exchange/accounts/views/two_step.py).
            return two_step.after_password(user, safe_next(request.args.get("next")))
    return _sign_in_page(form, ClassCodeForm(), status)


@bp.post("/sign-in/class")
def sign_in_class():  # noqa: ANN201
    """A pupil types the class code; the tablet remembers it."""
    form = ClassCodeForm()
    status = 422
    if form.validate_on_submit():
        try:
            classroom = services.find_class_by_code(form.class_code.data, device_id())
        except DomainError as exc:
            status = refused(form, exc)
        else:
            session[CLASS_KEY] = classroom.code
            return redirect(url_for("accounts.pupil_names"))
    return _sign_in_page(StaffSignInForm(), form, status)


@bp.get("/sign-in/names")
def pupil_names():  # noqa: ANN201
    """The class's names as big buttons; a pupil picks their own."""
    code = session.get(CLASS_KEY)
    if not code:
        return redirect(url_for("accounts.sign_in"))
    try:
        classroom, pupils = services.pupils_for_sign_in(code, device_id())
    except NotFound:
        session.pop(CLASS_KEY, None)
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/pupil_names.html", classroom=classroom, pupils=pupils)


@bp.post("/sign-in/forget-class")
def forget_class():  # noqa: ANN201
    """Make this tablet forget its class (another class uses it next)."""
    session.pop(CLASS_KEY, None)
    return redirect(url_for("accounts.sign_in"))


@bp.route("/sign-in/pupils/<int:pupil_id>", methods=["GET", "POST"])
def pupil_secret(pupil_id: int):  # noqa: ANN201
    """A pupil enters their PIN or picture password."""
    code = session.get(CLASS_KEY)
    if not code:
        return redirect(url_for("accounts.sign_in"))
    classroom, pupils = services.pupils_for_sign_in(code, device_id())
    pupil = next((p for p in pupils if p.id == pupil_id), None)
    if pupil is None:
        raise NotFound(f"That name is not in {classroom.name}.")
    picture = pupil.credential_kind == CredentialKind.PICTURE
    form = PictureForm() if picture else PinForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            secret = form.secret() if picture else form.secret.data
            try:
                signed_in = services.sign_in_pupil(code, pupil.id, secret, device_id())
            except DomainError as exc:
                status = refused(form, exc)
            else:
                sessions.start_session(signed_in)
                session[CLASS_KEY] = code
                return redirect(url_for("accounts.home"))
    return render_template(
        "accounts/pupil_secret.html",
        classroom=classroom,
        pupil=pupil,
        form=form,
        picture=picture,
        pictures=PICTURES,
    ), status


@bp.get("/card")
def card():  # noqa: ANN201
    """A login card's QR code opens this page; its script sends the token from the fragment."""
    device_id()  # make sure the tablet has a device id before the script posts the token
    return render_template("accounts/card.html")


@bp.post("/sign-out")
@login_required
def sign_out():  # noqa: ANN201
    """Sign out here and everywhere else; a class tablet keeps its class for the next pupil."""
    code = session.get(CLASS_KEY) if current_user.is_pupil else None
    services.sign_out(actor())
    sessions.end_session()
    if code:
        session[CLASS_KEY] = code
        return redirect(url_for("accounts.pupil_names"))
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.sign_in"))


@bp.get("/join")
def join():  # noqa: ANN201
    """An invitation link opens /join#token=...: the token stays in the fragment (never in a
    server log or a Referer header); the page's script (static/js/join.js) posts it here."""
    return _no_store(render_template("accounts/join_opening.html"))


@bp.post("/join")
def accept_invitation():  # noqa: ANN201
    """The token arrives in the body: show the invitation, then create the account."""
    token = request.form.get("token", "")
    invitation = services.invitation_by_token(token)
    form = AcceptInvitationForm()
    status = 200
    if request.form.get("step") != "open":
        status = 422
        if form.validate():
            try:
                user = services.accept_invitation(token, form.display_name.data, form.password.data)
            except DomainError as exc:
                status = refused(form, exc)
            else:
                sessions.start_session(user)
                flash(f"Welcome, {user.display_name}. Your account is ready.", "success")
                return redirect(url_for("accounts.home"))
    page = render_template(
        "accounts/accept_invitation.html", invitation=invitation, form=form, token=token
    )
    return _no_store(page), status


@bp.route("/join/<path:token>", methods=["GET", "POST"])
def old_invitation_link(token: str):  # noqa: ANN201
    """Links with the token in the path reached server logs: refused without looking at it."""
    raise Gone(
        "This invitation link is in an old form that is no longer accepted, to keep it out of "
        "web addresses. Ask the person who invited you to send the invitation again."
    )


def _no_store(page: str) -> Response:
    """Pages that carry an invitation's token are never kept by a browser or proxy cache."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # noqa: ANN201
    """A staff member changes their password; other sessions end, this one carries on."""
    if current_user.is_pupil:
        raise NotFound("Pupils' PINs and pictures are set by their teacher.")
    form = ChangePasswordForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                user = services.change_password(
                    actor(), form.current_password.data, form.password.data
                )
            except DomainError as exc:
                status = refused(form, exc)
            else:
                sessions.start_session(user)
                flash("Your password has changed. Other devices have been signed out.", "success")
                return redirect(url_for("accounts.home"))
    return render_template("accounts/change_password.html", form=form), status
