"""Pages of the enquiry board: the list of enquiries, a link's enquiries and ground rules, the
live board (teacher and pupil views), the printable export, the stimulus picture and the
teacher's prompt bank."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from exchange import authz
from exchange.authz import enquiry as enquiry_authz
from exchange.enquiry import forms, services
from exchange.errors import DomainError

bp = Blueprint("enquiry", __name__)
LONDON = ZoneInfo("Europe/London")


@bp.app_template_filter("enquiry_when")
def enquiry_when(moment: str | datetime | None) -> str:
    """A moment as London wall-clock time: '3 Mar 2027, 14:05'."""
    if not moment:
        return ""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b %Y, %H:%M}"


def _me() -> Any:
    """The signed-in user behind this request."""
    return current_user._get_current_object()


def _link_label(actor: Any, link: Any) -> str:
    """A link named from the viewer's side: "with <partner class>", or both classes."""
    own = authz.class_of_actor_in_link(actor, link)
    if own is not None:
        return f"With {link.classroom(link.partner_of(own)).label}"
    return f"{link.class_a.label} and {link.class_b.label}"


@bp.get("/enquiries")
@login_required
def index():  # noqa: ANN201
    """Every link's enquiries: the open board first, then past ones to read or print."""
    me = _me()
    links = [
        {
            "link": link,
            "label": _link_label(me, link),
            "enquiries": [services.enquiry_card(e) for e in services.enquiries_of(me, link.id)],
            "can_open": enquiry_authz.can_open_enquiry(me, link) and link.is_active,
        }
        for link in services.links_for(me)
    ]
    return render_template("enquiry/index.html", links=links, is_pupil=authz.is_pupil(me))


def _link_page(link_id: int, open_form: Any = None, rules_form: Any = None) -> str:
    """A link's enquiries page, with its two forms."""
    me = _me()
    link = services.get_link(me, link_id)
    parked = services.parked_questions(me, link.id)
    can_open = enquiry_authz.can_open_enquiry(me, link)
    open_form = open_form or forms.OpenEnquiryForm()
    open_form.from_question_id.choices = [("", "No: a new stimulus")] + [
        (str(q.id), q.current_text) for q in parked
    ]
    rules = services.ground_rules(link)
    rules_form = rules_form or forms.GroundRulesForm(rules="\n".join(rules["rules"]))
    return render_template(
        "enquiry/link.html",
        link=link,
        label=_link_label(me, link),
        enquiries=[services.enquiry_card(e) for e in services.enquiries_of(me, link.id)],
        parked=[services.question_public_view(q.id) for q in parked],
        rules=rules,
        can_open=can_open and link.is_active,
        can_edit_rules=can_open,
        has_open=services.open_enquiry_of(link.id) is not None,
        open_form=open_form,
        rules_form=rules_form,
    )


@bp.get("/links/<int:link_id>/enquiries")
@login_required
def link_enquiries(link_id: int):  # noqa: ANN201
    """A link's enquiries, its ground rules and parked questions; teachers open enquiries here."""
    return _link_page(link_id)


@bp.post("/links/<int:link_id>/enquiries")
@login_required
def open_enquiry(link_id: int):  # noqa: ANN201
    """Open an enquiry from the form, then go to its board."""
    form = forms.OpenEnquiryForm()
    form.from_question_id.choices = []
    if not form.validate_on_submit():
        return _link_page(link_id, open_form=form), 422
    parked = form.from_question_id.data
    try:
        enquiry = services.open_enquiry(
            _me(),
            link_id,
            title=form.title.data or "",
            use_concepts=form.use_concepts.data,
            from_question_id=int(parked) if parked and parked.isdigit() else None,
        )
    except DomainError as refused:
        flash(refused.message, "error")
        return _link_page(link_id, open_form=form), refused.status
    return redirect(url_for("enquiry.board", enquiry_id=enquiry.id))


@bp.post("/links/<int:link_id>/ground-rules")
@login_required
def ground_rules(link_id: int):  # noqa: ANN201
    """Save the ground rules from the form (one per line)."""
    form = forms.GroundRulesForm()
    if not form.validate_on_submit():
        return _link_page(link_id, rules_form=form), 422
    try:
        services.set_ground_rules(_me(), link_id, (form.rules.data or "").splitlines())
    except DomainError as refused:
        form.rules.errors = [refused.message]
        return _link_page(link_id, rules_form=form), refused.status
    flash("Ground rules saved. Every open board shows them now.", "success")
    return redirect(url_for("enquiry.link_enquiries", link_id=link_id))


@bp.get("/enquiries/<int:enquiry_id>")
@login_required
def board(enquiry_id: int):  # noqa: ANN201
    """The live board: the teacher's view with step controls and tools, or the pupil's."""
    snapshot = services.board_snapshot(_me(), enquiry_id)
    enquiry = services.get_enquiry(_me(), enquiry_id)
    return render_template(
        "enquiry/board.html",
        snapshot=snapshot,
        link_label=_link_label(_me(), enquiry.link),
        themes=services.THEMES,
    )


@bp.get("/enquiries/<int:enquiry_id>/print")
@login_required
def print_page(enquiry_id: int):  # noqa: ANN201
    """The whole enquiry on one printable page for the classroom wall."""
    export = services.export_enquiry(_me(), enquiry_id)
    return render_template("enquiry/print.html", export=export)


@bp.get("/enquiries/<int:enquiry_id>/stimulus/picture")
@login_required
def stimulus_picture(enquiry_id: int) -> Response:
    """The stimulus picture, only for the board's readers (never from a public folder)."""
    data, kind = services.picture_of(_me(), enquiry_id)
    response = Response(data, mimetype=kind)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/enquiries/prompts")
@login_required
def prompts():  # noqa: ANN201
    """The teacher's facilitation prompt bank."""
    bank = services.prompt_bank(_me())
    return render_template("enquiry/prompts.html", bank=bank, form=forms.PromptForm())


@bp.post("/enquiries/prompts")
@login_required
def add_prompt():  # noqa: ANN201
    """Add a prompt from the form."""
    form = forms.PromptForm()
    if form.validate_on_submit():
        try:
            services.add_prompt(_me(), form.text.data or "")
            flash("Prompt added.", "success")
        except DomainError as refused:
            flash(refused.message, "error")
    else:
        flash("A prompt can be at most 200 characters.", "error")
    return redirect(url_for("enquiry.prompts"))


@bp.post("/enquiries/prompts/<int:prompt_id>")
@login_required
def update_prompt(prompt_id: int):  # noqa: ANN201
    """Reword a prompt from the form."""
    form = forms.PromptForm()
    if form.validate_on_submit():
        try:
            services.update_prompt(_me(), prompt_id, form.text.data or "")
            flash("Prompt saved.", "success")
        except DomainError as refused:
            flash(refused.message, "error")
    return redirect(url_for("enquiry.prompts"))


@bp.post("/enquiries/prompts/<int:prompt_id>/delete")
@login_required
def delete_prompt(prompt_id: int):  # noqa: ANN201
    """Remove a prompt (CSRF is checked for every form post by CSRFProtect)."""
    services.delete_prompt(_me(), prompt_id)
    flash("Prompt removed.", "success")
    return redirect(url_for("enquiry.prompts"))
