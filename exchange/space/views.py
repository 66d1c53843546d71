"""Pages of the space area: a link's shared space, the composer, editing, teachers' actions,
and the small HTML fragments the page's JavaScript fetches when something arrives live."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from exchange.errors import DomainError, Invalid
from exchange.space import markup, queries, schemas, services

bp = Blueprint("space", __name__)
LONDON = ZoneInfo("Europe/London")
LIST_FIELDS = ("questions", "keep_images", "remove_images")
FIELD_NAMES = {
    "phase": "Phase",
    "questions": "Which question is it about?",
    "keep_images": "Pictures",
    "remove_images": "Pictures",
    "client_id": "the form",
}


@bp.app_template_filter("space_when")
def space_when(moment: str | datetime | None) -> str:
    """A moment as London wall-clock time: '3 Mar, 14:05'."""
    if not moment:
        return ""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b, %H:%M}"


bp.add_app_template_global(markup.reaction_bar, "space_reaction_bar")


def _me() -> Any:
    """The signed-in user behind this request."""
    return current_user._get_current_object()


def _back(default: str) -> str:
    """The local page a form came from (`next`), else `default`; never another site."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def _queue_url() -> str | None:
    """The moderation queue page, when the moderation area provides it."""
    if "moderation.queue_page" in current_app.view_functions:
        return url_for("moderation.queue_page")
    return None


def _uploads() -> list[services.Upload]:
    """The files chosen in the form, as plain values."""
    return [services.Upload(f.filename, f.stream) for f in request.files.getlist("images")]


def _form_draft() -> services.PostDraft:
    """The composer's fields; a field that cannot be read at all becomes a field error."""
    form = {
        key: request.form.getlist(key) if key in LIST_FIELDS else request.form.get(key)
        for key in request.form
    }
    try:
        return services.PostDraft(**schemas.PostFormSchema().load(form))
    except ValidationError as exc:
        field = next(iter(exc.messages_dict), "form")
        raise Invalid(
            f"Please check the form: “{FIELD_NAMES.get(field, field)}” was not filled in as "
            "expected.",
            field=field,
        ) from None


def _render_space(link_id: int, status: int = 200, **extra: Any) -> tuple[str, int]:
    """The space page for the signed-in user (with a composer's or comment's values to keep)."""
    question = request.args.get("question")
    before = request.args.get("before", type=int)
    column = request.args.get("column", type=int)
    view = queries.space_view(_me(), link_id, question=question, before=before, column=column)
    context = {
        "view": view,
        "link_id": link_id,
        "queue_url": _queue_url(),
        "paged": before is not None,
        "draft": extra.pop("draft", None)
        or {"client_id": secrets.token_hex(16), "phase": view["link"]["phase"]},
        **_card_context(link_id),
        **extra,
    }
    if request.method == "GET":
        context["here"] = request.full_path.rstrip("?")
    return render_template("space/space.html", **context), status


@bp.get("/links/<int:link_id>/space")
@login_required
def link_space(link_id: int):  # noqa: ANN201
    """A link's shared space: both classes' work side by side, and a composer."""
    return _render_space(link_id)


def _refused_draft(exc: services.DraftRefused) -> dict[str, Any]:
    """What the composer shows again after a refusal: the typed values, kept pictures, errors."""
    return {
        **request.form.to_dict(flat=True),
        "questions": request.form.getlist("questions"),
        "kept": [services.staged_view(image) for image in exc.kept],
        "errors": exc.errors,
        "refused": [r.message for r in exc.refused],
    }


@bp.post("/links/<int:link_id>/space/posts")
@login_required
def create_post(link_id: int):  # noqa: ANN201
    """Send the composer: a pupil's post goes to their teacher, a teacher's to both classes."""
    try:
        post = services.create_post(_me(), link_id, _form_draft(), _uploads())
    except services.DraftRefused as exc:
        return _render_space(link_id, 422, draft=_refused_draft(exc), composer_open=True)
    except Invalid as exc:
        draft = {**request.form.to_dict(), "errors": {exc.field or "form": exc.message}}
        return _render_space(link_id, 422, draft=draft, composer_open=True)
    if post.item.by_pupil:
        flash("Sent to your teacher. It will appear here when they approve it.", "success")
    else:
        flash("Shared with both classes.", "success")
    return redirect(url_for("space.link_space", link_id=link_id) + f"#post-{post.id}")


@bp.get("/posts/<int:post_id>")
@login_required
def post_page(post_id: int):  # noqa: ANN201
    """One post with all its comments (the space lists only the latest conversations)."""
    card = queries.post_view(_me(), post_id)
    link = services.get_link(_me(), card["link_id"])
    streams = {
        name: seq
        for name, seq in queries.streams_for(_me(), link).items()
        if name.startswith("link:")
    }
    return render_template(
        "space/post.html", p=card, streams=streams, **_card_context(card["link_id"])
    )


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):  # noqa: ANN201
    """Change one's own post and send it again."""
    post = services.editable_post(_me(), post_id)
    card = queries.post_view(_me(), post_id)
    draft: dict[str, Any] = {
        "title": card["title"],
        "text": card["text"],
        "questions": [q["key"] for q in card["questions"]],
        "phase": card["phase"],
        "picture_description": post.picture_description,
    }
    status = 200
    if request.method == "POST":
        try:
            post = services.edit_post(_me(), post_id, _form_draft(), _uploads())
        except services.DraftRefused as exc:
            draft, status = _refused_draft(exc), 422
        except Invalid as exc:
            draft = {**request.form.to_dict(), "errors": {exc.field or "form": exc.message}}
            status = 422
        else:
            flash(_sent_again_message(post.item.by_pupil), "success")
            return redirect(url_for("space.link_space", link_id=post.link_id) + f"#post-{post.id}")
    removing = set(request.form.getlist("remove_images", type=int))
    return render_template(
        "space/edit_post.html",
        card=card,
        draft=draft,
        removing=removing,
        questions=queries.question_choices(),
        link_id=card["link_id"],
    ), status


def _sent_again_message(by_pupil: bool) -> str:
    """What happens after an edit, in words."""
    if by_pupil:
        return "Sent to your teacher again. It will be shared when they approve it."
    return "Your changes are shared with both classes."


@bp.post("/posts/<int:post_id>/comments")
@login_required
def create_comment(post_id: int):  # noqa: ANN201
    """Comment on a post (or reply to a comment)."""
    post = services.get_post(_me(), post_id)
    parent_id = request.form.get("parent_id", type=int)
    text = request.form.get("text", "")
    try:
        comment = services.create_comment(
            _me(), post_id, text, parent_id=parent_id, client_id=request.form.get("client_id")
        )
    except Invalid as exc:
        typed = {"key": f"{post_id}:{parent_id or ''}", "text": text, "error": exc.message}
        return _render_space(post.link_id, 422, typed_comment=typed)
    if comment.item.by_pupil:
        flash("Comment sent to your teacher. It will appear when they approve it.", "success")
    return redirect(
        _back(url_for("space.link_space", link_id=post.link_id)) + f"#comment-{comment.id}"
    )


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):  # noqa: ANN201
    """Change one's own comment and send it again."""
    services.editable_comment(_me(), comment_id)
    card = queries.comment_view(_me(), comment_id)
    text, error, status = card["text"], None, 200
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            comment = services.edit_comment(_me(), comment_id, text)
        except Invalid as exc:
            error, status = exc.message, 422
        else:
            flash(_sent_again_message(comment.item.by_pupil), "success")
            target = url_for("space.link_space", link_id=comment.link_id)
            return redirect(f"{target}#comment-{comment.id}")
    return render_template("space/edit_comment.html", card=card, text=text, error=error), status


# ----- teachers' actions and reactions (forms without JavaScript) ---------------------------


def _act(link_id: int, anchor: str, action: Any, done: str) -> Any:
    """Run a teacher's action and come back to the space with what happened."""
    try:
        action()
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(_back(url_for("space.link_space", link_id=link_id)) + anchor)


@bp.post("/posts/<int:post_id>/withdraw")
@login_required
def withdraw_post(post_id: int):  # noqa: ANN201
    """A teacher of the author's class takes the post back."""
    post = services.get_post(_me(), post_id)
    reason = request.form.get("reason", "")
    return _act(
        post.link_id,
        "",
        lambda: services.withdraw_item(_me(), post.item_id, reason),
        "Taken back: the partner class no longer sees it.",
    )


@bp.post("/posts/<int:post_id>/hide")
@login_required
def hide_post(post_id: int):  # noqa: ANN201
    """A teacher of either class hides the post and reports it."""
    post = services.get_post(_me(), post_id)
    reason = request.form.get("reason", "")
    return _act(
        post.link_id,
        "",
        lambda: services.hide_item(_me(), post.item_id, reason),
        "Hidden and reported to the facilitator.",
    )


@bp.post("/comments/<int:comment_id>/withdraw")
@login_required
def withdraw_comment(comment_id: int):  # noqa: ANN201
    """A teacher of the author's class takes the comment back."""
    comment = services.get_comment(_me(), comment_id)
    reason = request.form.get("reason", "")
    return _act(
        comment.link_id,
        f"#post-{comment.post_id}",
        lambda: services.withdraw_item(_me(), comment.item_id, reason),
        "Comment taken back: the partner class no longer sees it.",
    )


@bp.post("/comments/<int:comment_id>/hide")
@login_required
def hide_comment(comment_id: int):  # noqa: ANN201
    """A teacher of either class hides the comment and reports it."""
    comment = services.get_comment(_me(), comment_id)
    reason = request.form.get("reason", "")
    return _act(
        comment.link_id,
        f"#post-{comment.post_id}",
        lambda: services.hide_item(_me(), comment.item_id, reason),
        "Comment hidden and reported to the facilitator.",
    )


@bp.post("/items/<int:item_id>/react")
@login_required
def react(item_id: int):  # noqa: ANN201
    """Give or take back a reaction (the page's JavaScript uses the API instead)."""
    item, content = services.get_space_item(_me(), item_id)
    reaction = request.form.get("reaction", "")
    on = reaction not in services.my_reactions(_me(), [item_id])[item_id]  # a button toggles
    anchor = f"#post-{content.id}" if item.kind.value == "post" else f"#comment-{content.id}"
    try:
        services.set_reaction(_me(), item_id, reaction, on)
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(_back(url_for("space.link_space", link_id=item.link_id)) + anchor)


# ----- fragments for live updates -----------------------------------------------------------


@bp.get("/posts/<int:post_id>/card")
@login_required
def post_fragment(post_id: int):  # noqa: ANN201
    """One post card, as the viewer sees it (fetched when a post arrives live)."""
    card = queries.post_view(_me(), post_id)
    return render_template("space/_post_fragment.html", p=card, **_card_context(card["link_id"]))


@bp.get("/comments/<int:comment_id>/card")
@login_required
def comment_fragment(comment_id: int):  # noqa: ANN201
    """One comment with its replies (fetched when a comment arrives live)."""
    card = queries.comment_view(_me(), comment_id)
    return render_template("space/_comment_fragment.html", c=card, **_card_context(card["link_id"]))


@bp.get("/links/<int:link_id>/space/older")
@login_required
def older_fragment(link_id: int):  # noqa: ANN201
    """The next page of one column's cards and its own "Older posts" link (fetched when a
    reader asks for older posts, so the page and its live updates stay where they are)."""
    question = request.args.get("question")
    col = queries.column_page(
        _me(),
        link_id,
        request.args.get("column", type=int),
        question=question,
        before=request.args.get("before", type=int),
    )
    return render_template(
        "space/_older.html", col=col, question=question, **_card_context(link_id)
    )


@bp.get("/links/<int:link_id>/space/mine")
@login_required
def mine_fragment(link_id: int):  # noqa: ANN201
    """The viewer's own waiting and returned items (refreshed when their state changes)."""
    link = services.get_link(_me(), link_id)
    return render_template("space/_mine.html", mine=queries.own_items(_me(), link))


@bp.get("/links/<int:link_id>/space/waiting")
@login_required
def waiting_fragment(link_id: int):  # noqa: ANN201
    """A teacher's list of this link's items waiting for approval."""
    link = services.get_link(_me(), link_id)
    return render_template(
        "space/_waiting.html", waiting=queries.waiting_items(_me(), link), queue_url=_queue_url()
    )


def _card_context(link_id: int) -> dict[str, Any]:
    """What the card macros need besides the card: where forms come back to, a fresh prefix
    for the comment forms' retry-safe ids, and no typed comment to restore."""
    return {
        "here": url_for("space.link_space", link_id=link_id),
        "nonce": secrets.token_hex(6),
        "typed_comment": None,
        "link_id": link_id,
    }
