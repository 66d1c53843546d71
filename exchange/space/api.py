"""JSON API of the space area, under /api/v1: everything the space pages do, with the same
services and the same authorisation (approve and return are the moderation API's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, send_file
from flask_login import current_user
from flask_smorest import Blueprint

from exchange import authz
from exchange.space import queries, schemas, services

blp = Blueprint(
    "api_space",
    __name__,
    url_prefix="/api/v1",
    description="The shared space of a link: posts, comments, reactions, images.",
)
REFUSALS = {
    401: "Not signed in.",
    403: "Signed in, but not allowed to do this.",
    404: "No such thing, or not one this user may see.",
    409: "Not in a state that allows this (not approved yet, hidden, link not active).",
    422: "The input is wrong; nothing was sent. Pictures that were fine are kept (details).",
}
IMAGE_CSP = "default-src 'none'; sandbox"


def refusals(*codes: int) -> Callable[[Any], Any]:
    """Document the refusals an endpoint may answer with."""

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, schema=schemas.RefusalSchema, description=REFUSALS[code])(
                func
            )
        return func

    return decorate


def _me() -> Any:
    """The signed-in user, or 401."""
    if not authz.is_signed_in(current_user):
        abort(401)
    return current_user._get_current_object()


def _uploads(files: dict[str, Any]) -> list[services.Upload]:
    """Werkzeug's uploaded files as plain name-and-stream values for the services."""
    return [services.Upload(f.filename, f.stream) for f in files.get("images", [])]


def _draft(form: dict[str, Any]) -> services.PostDraft:
    """The composer's fields as a draft."""
    return services.PostDraft(**form)


# ----- the space and its posts --------------------------------------------------------------


@blp.get("/links/<int:link_id>/space")
@blp.arguments(schemas.SpaceQuerySchema, location="query")
@blp.response(200, schemas.SpaceSchema)
@refusals(401, 404)
def get_space(query: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Both classes' approved work side by side, the viewer's own waiting and returned items
    (a teacher: their class's items waiting for approval), and the streams to follow."""
    return queries.space_view(
        _me(), link_id, question=query["question"], before=query["before"], column=query["column"]
    )


@blp.post("/links/<int:link_id>/posts")
@blp.arguments(schemas.PostFormSchema, location="form")
@blp.arguments(schemas.ImagesFormSchema, location="files")
@blp.response(201, schemas.PostSchema)
@refusals(401, 403, 404, 409, 422)
def create_post(form: dict[str, Any], files: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Share a post (multipart: fields and up to 6 `images`). A pupil's waits for their
    teacher's approval; a teacher's appears at once. A refused file is named in the 422
    answer; the other pictures are kept (send their ids in `keep_images`)."""
    me = _me()
    post = services.create_post(me, link_id, _draft(form), _uploads(files))
    return queries.post_view(me, post.id)


@blp.post("/links/<int:link_id>/images")
@blp.arguments(schemas.ImagesFormSchema, location="files")
@blp.response(201, schemas.StageResultSchema)
@refusals(401, 403, 404, 409, 422)
def upload_images(files: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Upload pictures before sending the post (the composer does this as files are chosen):
    each is checked and cleaned now, and refused ones are named with the reason."""
    kept, refused = services.stage_images(_me(), link_id, _uploads(files))
    if not kept:
        raise services.DraftRefused({}, refused, [])
    return {
        "kept": [services.staged_view(i) for i in kept],
        "refused": [r.as_dict() for r in refused],
    }


@blp.get("/posts/<int:post_id>")
@blp.response(200, schemas.PostSchema)
@refusals(401, 404)
def get_post(post_id: int) -> dict[str, Any]:
    """One post with its pictures and the comments the viewer may see."""
    return queries.post_view(_me(), post_id)


@blp.put("/posts/<int:post_id>")
@blp.arguments(schemas.PostFormSchema, location="form")
@blp.arguments(schemas.ImagesFormSchema, location="files")
@blp.response(200, schemas.PostSchema)
@refusals(401, 403, 404, 409, 422)
def edit_post(form: dict[str, Any], files: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Change one's own post (all fields; `remove_images` drops pictures) and send it again.
    A pupil's goes back to their teacher and leaves the partner class until approved again."""
    me = _me()
    post = services.edit_post(me, post_id, _draft(form), _uploads(files))
    return queries.post_view(me, post.id)


@blp.post("/posts/<int:post_id>/comments")
@blp.arguments(schemas.CommentInSchema)
@blp.response(201, schemas.CommentSchema)
@refusals(401, 403, 404, 409, 422)
def create_comment(data: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Comment on an approved post, or reply to a comment (`parent_id`)."""
    me = _me()
    comment = services.create_comment(
        me, post_id, data["text"], parent_id=data["parent_id"], client_id=data["client_id"]
    )
    return queries.comment_view(me, comment.id)


@blp.get("/comments/<int:comment_id>")
@blp.response(200, schemas.CommentSchema)
@refusals(401, 404)
def get_comment(comment_id: int) -> dict[str, Any]:
    """One comment with its replies."""
    return queries.comment_view(_me(), comment_id)


@blp.put("/comments/<int:comment_id>")
@blp.arguments(schemas.CommentEditSchema)
@blp.response(200, schemas.CommentSchema)
@refusals(401, 403, 404, 409, 422)
def edit_comment(data: dict[str, Any], comment_id: int) -> dict[str, Any]:
    """Change one's own comment and send it again."""
    me = _me()
    services.edit_comment(me, comment_id, data["text"])
    return queries.comment_view(me, comment_id)


# ----- teachers' actions and reactions ------------------------------------------------------


def _post_item(me: Any, post_id: int) -> int:
    return services.get_post(me, post_id).item_id


def _comment_item(me: Any, comment_id: int) -> int:
    return services.get_comment(me, comment_id).item_id


@blp.post("/posts/<int:post_id>/withdraw")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def withdraw_post(data: dict[str, Any], post_id: int) -> dict[str, Any]:
    """A teacher of the author's class takes the post back; the partner class loses it at once."""
    me = _me()
    item = services.withdraw_item(me, _post_item(me, post_id), data["reason"])
    return {"item_id": item.id, "state": item.state.value}


@blp.post("/posts/<int:post_id>/hide")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def hide_post(data: dict[str, Any], post_id: int) -> dict[str, Any]:
    """A teacher of either class hides the post and reports it to the facilitator."""
    me = _me()
    item = services.hide_item(me, _post_item(me, post_id), data["reason"])
    return {"item_id": item.id, "state": item.state.value}


@blp.post("/comments/<int:comment_id>/withdraw")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def withdraw_comment(data: dict[str, Any], comment_id: int) -> dict[str, Any]:
    """A teacher of the author's class takes the comment back."""
    me = _me()
    item = services.withdraw_item(me, _comment_item(me, comment_id), data["reason"])
    return {"item_id": item.id, "state": item.state.value}


@blp.post("/comments/<int:comment_id>/hide")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def hide_comment(data: dict[str, Any], comment_id: int) -> dict[str, Any]:
    """A teacher of either class hides the comment and reports it to the facilitator."""
    me = _me()
    item = services.hide_item(me, _comment_item(me, comment_id), data["reason"])
    return {"item_id": item.id, "state": item.state.value}


def _react(item_id: int, reaction: str, on: bool) -> dict[str, Any]:
    return services.set_reaction(_me(), item_id, reaction, on)


@blp.put("/posts/<int:post_id>/reactions/<string:reaction>")
@blp.response(200, schemas.ReactionResultSchema)
@refusals(401, 403, 404, 409, 422)
def react_to_post(post_id: int, reaction: str) -> dict[str, Any]:
    """Give a reaction (star, clap, heart, wow, thinking, smile) to an approved post."""
    return _react(_post_item(_me(), post_id), reaction, True)


@blp.delete("/posts/<int:post_id>/reactions/<string:reaction>")
@blp.response(200, schemas.ReactionResultSchema)
@refusals(401, 403, 404, 409, 422)
def unreact_to_post(post_id: int, reaction: str) -> dict[str, Any]:
    """Take one's reaction back."""
    return _react(_post_item(_me(), post_id), reaction, False)


@blp.put("/comments/<int:comment_id>/reactions/<string:reaction>")
@blp.response(200, schemas.ReactionResultSchema)
@refusals(401, 403, 404, 409, 422)
def react_to_comment(comment_id: int, reaction: str) -> dict[str, Any]:
    """Give a reaction to an approved comment."""
    return _react(_comment_item(_me(), comment_id), reaction, True)


@blp.delete("/comments/<int:comment_id>/reactions/<string:reaction>")
@blp.response(200, schemas.ReactionResultSchema)
@refusals(401, 403, 404, 409, 422)
def unreact_to_comment(comment_id: int, reaction: str) -> dict[str, Any]:
    """Take one's reaction to a comment back."""
    return _react(_comment_item(_me(), comment_id), reaction, False)


# ----- pictures -----------------------------------------------------------------------------


@blp.get("/images/<int:image_id>/<string:size>")
@blp.doc(
    responses={
        "200": {
            "description": "The re-encoded picture (`thumb` or `full`) as image/jpeg or image/png.",
            "content": {"image/jpeg": {}, "image/png": {}},
        }
    }
)
@refusals(401, 404)
def get_image(image_id: int, size: str) -> Response:
    """A picture, for those who may see its post (the partner class only after approval) or,
    before the post is sent, for its uploader."""
    stream, content_type, image = services.open_image(_me(), image_id, size)
    extension = "png" if content_type == "image/png" else "jpg"
    response = send_file(
        stream,
        mimetype=content_type,
        download_name=f"picture-{image.id}-{size}.{extension}",
        conditional=False,
        etag=False,
        max_age=None,
    )
    # A picture is never a document: no scripts, no plugins, no sniffing, no shared caches.
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
