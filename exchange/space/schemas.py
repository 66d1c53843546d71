"""Marshmallow schemas of the space area, shared by the JSON API and the socket commands."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from exchange.space.models import (
    BODY_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    QUESTIONS,
    TITLE_MAX,
    Reaction,
)

REASON_MAX = 1000
CLIENT_ID = validate.Length(min=1, max=64)


# ----- what the client sends ----------------------------------------------------------------


class SpaceQuerySchema(Schema):
    """Filter a space by one of the programme's questions; page with `before` (a post id),
    both columns or, with `column` (a class id), that class's column alone."""

    question = fields.String(load_default=None, validate=validate.OneOf(list(QUESTIONS)))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1))
    column = fields.Integer(load_default=None, validate=validate.Range(min=1))


class _FormSchema(Schema):
    """Form fields: an empty field means "not given"; the page's CSRF token is ignored."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data: Any, **_kw: Any) -> Any:
        """Browsers send empty strings for untouched optional fields."""
        if not hasattr(data, "keys"):
            return data
        cleaned: dict[str, Any] = {}
        for key in data:
            value = data[key]  # webargs gives a list for List fields
            if isinstance(value, list):
                cleaned[key] = [v for v in value if v != ""]
            elif value != "" or key in ("text", "picture_description"):
                cleaned[key] = value
        return cleaned


class PostFormSchema(_FormSchema):
    """A post as the composer sends it (multipart, with the pictures in `images`).

    Lengths are checked by the service, which names each problem and keeps good pictures.
    """

    title = fields.String(load_default="", metadata={"description": f"At most {TITLE_MAX}."})
    text = fields.String(load_default="", metadata={"description": f"At most {BODY_MAX}."})
    questions = fields.List(
        fields.String(), load_default=list, metadata={"description": ", ".join(QUESTIONS)}
    )
    phase = fields.Integer(load_default=None, allow_none=True)
    picture_description = fields.String(
        load_default="", metadata={"description": f"At most {DESCRIPTION_MAX}; used as alt text."}
    )
    keep_images = fields.List(
        fields.Integer(),
        load_default=list,
        metadata={"description": "Ids of pictures uploaded earlier (POST .../images)."},
    )
    remove_images = fields.List(
        fields.Integer(), load_default=list, metadata={"description": "When editing."}
    )
    client_id = fields.String(load_default=None, validate=CLIENT_ID)


class ImagesFormSchema(Schema):
    """The chosen files (up to 6 per post; JPEG, PNG, GIF, WebP or HEIC, 15 MB each)."""

    class Meta:
        unknown = EXCLUDE

    images = fields.List(Upload(), load_default=list)


class CommentInSchema(Schema):
    """A comment, or a reply when `parent_id` names a comment of the same post."""

    text = fields.String(required=True, validate=validate.Length(max=COMMENT_MAX * 2))
    parent_id = fields.Integer(load_default=None, allow_none=True)
    client_id = fields.String(load_default=None, validate=CLIENT_ID)


class SendCommentSchema(CommentInSchema):
    """The `send_comment` socket command: a comment on a post."""

    post_id = fields.Integer(required=True)


class CommentEditSchema(Schema):
    """A changed comment."""

    text = fields.String(required=True, validate=validate.Length(max=COMMENT_MAX * 2))


class ReasonSchema(Schema):
    """Why a teacher withdraws or hides something (required for hiding)."""

    reason = fields.String(load_default="", validate=validate.Length(max=REASON_MAX))


class SetReactionSchema(Schema):
    """The `set_reaction` socket command."""

    item_id = fields.Integer(required=True)
    reaction = fields.String(required=True, validate=validate.OneOf([r.value for r in Reaction]))
    on = fields.Boolean(load_default=True)


# ----- what the server answers --------------------------------------------------------------


class ImageSchema(Schema):
    """A picture: served only to those who may see its post."""

    id = fields.Integer()
    thumb_url = fields.String()
    full_url = fields.String()
    alt = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    thumb_width = fields.Integer()
    thumb_height = fields.Integer()


class ChoiceSchema(Schema):
    """A question tag or a reaction choice."""

    key = fields.String()
    label = fields.String()
    face = fields.String()


class ReactionSchema(ChoiceSchema):
    """A reaction's count on an item and whether the viewer gave it."""

    count = fields.Integer()
    mine = fields.Boolean()


class _ItemFields(Schema):
    """What posts and comments share: author, state (as this viewer may know it), actions."""

    item_id = fields.Integer()
    link_id = fields.Integer()
    text = fields.String()
    author = fields.String()
    by_teacher = fields.Boolean()
    class_id = fields.Integer()
    class_label = fields.String()
    created_at = fields.String()
    edited_at = fields.String(allow_none=True)
    approved_at = fields.String(allow_none=True)
    version = fields.Integer()
    state = fields.String()
    state_label = fields.String()
    feedback = fields.String(allow_none=True)
    mine = fields.Boolean()
    reactions = fields.List(fields.Nested(ReactionSchema))
    can_edit = fields.Boolean()
    can_withdraw = fields.Boolean()
    can_hide = fields.Boolean()
    can_react = fields.Boolean()


class CommentSchema(_ItemFields):
    """A comment with its replies (one level)."""

    comment_id = fields.Integer()
    post_id = fields.Integer()
    post_item_id = fields.Integer()
    post_title = fields.String()
    parent_id = fields.Integer(allow_none=True)
    can_reply = fields.Boolean()
    replies = fields.List(fields.Nested(lambda: CommentSchema()))


class PostSchema(_ItemFields):
    """A post with its pictures, tags, reactions and the comments the viewer may see."""

    post_id = fields.Integer()
    title = fields.String()
    questions = fields.List(fields.Nested(ChoiceSchema))
    phase = fields.Integer(allow_none=True)
    phase_name = fields.String(allow_none=True)
    images = fields.List(fields.Nested(ImageSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    comment_count = fields.Integer()
    comments_hidden = fields.Integer(
        metadata={"description": "Older comments left out of the space's list (GET the post)."}
    )
    can_comment = fields.Boolean()


class EntrySchema(Schema):
    """One line of "my work" or of a teacher's "waiting" list."""

    item_id = fields.Integer()
    kind = fields.String()
    author = fields.String()
    class_label = fields.String()
    submitted_at = fields.String()
    stage = fields.String(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    feedback = fields.String(allow_none=True)
    mine = fields.Boolean()
    can_edit = fields.Boolean()
    post_id = fields.Integer()
    comment_id = fields.Integer()
    title = fields.String()
    text = fields.String()
    images = fields.List(fields.Nested(ImageSchema))
    edit_url = fields.String()
    yours_to_decide = fields.Boolean()


class ColumnSchema(Schema):
    """One class's column of approved work, newest first."""

    class_id = fields.Integer()
    label = fields.String()
    own = fields.Boolean()
    shown = fields.Boolean(
        metadata={"description": "False when another column was asked for alone (`column`)."}
    )
    posts = fields.List(fields.Nested(PostSchema))
    next_before = fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as `before`, with `column`, for this column's next page."},
    )


class SpaceLinkSchema(Schema):
    """The link the space belongs to."""

    id = fields.Integer()
    phase = fields.Integer()
    phase_name = fields.String()
    active = fields.Boolean()
    dual_approval = fields.Boolean()


class ViewerSchema(Schema):
    """Who is looking, and whether they can share."""

    class_id = fields.Integer(allow_none=True)
    can_post = fields.Boolean()
    is_pupil = fields.Boolean()
    is_teacher = fields.Boolean()


class SpaceSchema(Schema):
    """A link's space for the viewer: both classes' work side by side, their own waiting items,
    and the streams to follow (each at the sequence number this answer was read at)."""

    link = fields.Nested(SpaceLinkSchema)
    older_before = fields.Integer(
        allow_none=True, metadata={"description": "Pass as `before` for older posts."}
    )
    column = fields.Integer(allow_none=True, metadata={"description": "The column paged alone."})
    viewer = fields.Nested(ViewerSchema)
    columns = fields.List(fields.Nested(ColumnSchema))
    mine = fields.List(fields.Nested(EntrySchema))
    waiting = fields.List(fields.Nested(EntrySchema))
    streams = fields.Dict(keys=fields.String(), values=fields.Integer())
    question = fields.String(allow_none=True)
    questions = fields.List(fields.Nested(ChoiceSchema))
    reactions = fields.List(fields.Nested(ChoiceSchema))


class StagedImageSchema(Schema):
    """A picture uploaded ahead of its post: send its id in `keep_images`."""

    id = fields.Integer()
    thumb_url = fields.String()
    full_url = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    thumb_width = fields.Integer()
    thumb_height = fields.Integer()


class RefusedFileSchema(Schema):
    """A file that was not added, and why."""

    file = fields.String()
    reason = fields.String()
    message = fields.String()


class StageResultSchema(Schema):
    """Pictures kept for the post, and files refused."""

    kept = fields.List(fields.Nested(StagedImageSchema))
    refused = fields.List(fields.Nested(RefusedFileSchema))


class ReactionResultSchema(Schema):
    """An item's reaction counts after a change, and the viewer's own reactions."""

    item_id = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    mine = fields.List(fields.String())


class DecisionSchema(Schema):
    """Where an item is after a teacher's action."""

    item_id = fields.Integer()
    state = fields.String()


class RefusalSchema(Schema):
    """Every refusal: a code and a plain-words message (field and details for bad input).

    A refused post answers 422 with details: {errors: {field: message}, refused: [files],
    kept_images: [pictures kept for the retry]}.
    """

    ok = fields.Boolean(dump_default=False)
    error = fields.String(required=True)
    message = fields.String(required=True)
    field = fields.String()
    details = fields.Dict()
