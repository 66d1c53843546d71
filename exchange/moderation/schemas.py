"""Marshmallow schemas of the moderation area, shared by the JSON API and the socket commands."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.moderation.flags import WATCH_WORD_MAX
from exchange.moderation.models import ReportStatus
from exchange.moderation.safeguarding import CONCERN_MAX, NOTE_MAX
from exchange.moderation.services import FEEDBACK_MAX, REASON_MAX

BULK_MAX = 200


class RefusalSchema(Schema):
    """Every refusal: a code and a plain-words message (and the field, for bad input)."""

    ok = fields.Boolean(dump_default=False)
    error = fields.String(required=True)
    message = fields.String(required=True)
    field = fields.String()
    details = fields.Dict()


# ----- what the client sends ----------------------------------------------------------------


class ApproveArgs(Schema):
    """Approve an item; pictures need the photo-consent confirmation."""

    photos_confirmed = fields.Boolean(load_default=False)


class ReturnArgs(Schema):
    """Return an item with feedback the pupil sees."""

    feedback = fields.String(required=True, validate=validate.Length(max=FEEDBACK_MAX))


class ApproveItemCommand(ApproveArgs):
    """Socket command `approve_item`."""

    item_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class ReturnItemCommand(ReturnArgs):
    """Socket command `return_item`."""

    item_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class ApproveManyArgs(Schema):
    """Approve several unflagged items without pictures in one go."""

    item_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(min=1, max=BULK_MAX),
    )


class ReasonArgs(Schema):
    """Withdraw an item (the reason is optional)."""

    reason = fields.String(load_default="", validate=validate.Length(max=REASON_MAX))


class HideArgs(Schema):
    """Hide an item and report it: the facilitator needs the reason."""

    reason = fields.String(required=True, validate=validate.Length(max=REASON_MAX))


class DecideArgs(Schema):
    """The facilitator's decision on a report."""

    decision = fields.String(required=True, validate=validate.OneOf(["restore", "remove"]))
    note = fields.String(load_default="", validate=validate.Length(max=REASON_MAX))


class ReportsQuery(Schema):
    """Which reports to list."""

    status = fields.String(validate=validate.OneOf([s.value for s in ReportStatus]))


class LogQuery(Schema):
    """One page of an audit log, newest first."""

    before = fields.Integer(validate=validate.Range(min=1))
    action = fields.String(validate=validate.Length(max=30))
    item_id = fields.Integer(validate=validate.Range(min=1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class WatchWordsArgs(Schema):
    """Words or phrases to add to a district's watch list."""

    words = fields.List(
        fields.String(validate=validate.Length(min=1, max=WATCH_WORD_MAX)),
        required=True,
        validate=validate.Length(min=1, max=100),
    )


class WatchWordQuery(Schema):
    """The word to take off the watch list."""

    word = fields.String(required=True, validate=validate.Length(min=1, max=WATCH_WORD_MAX))


class ConcernArgs(Schema):
    """A safeguarding concern about an item or a pupil (or both)."""

    details = fields.String(required=True, validate=validate.Length(max=CONCERN_MAX))
    item_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    pupil_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class AcknowledgeArgs(Schema):
    """The lead acknowledges a concern, optionally saying what they did."""

    note = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX))


# ----- what the server answers --------------------------------------------------------------


class FlagSchema(Schema):
    """A span that looks like personal information."""

    kind = fields.String()
    label = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    text = fields.String()


class ImageSchema(Schema):
    """A picture's thumbnail, served by a route that checks who is asking."""

    thumb_url = fields.String()
    alt = fields.String(allow_none=True)


class StreamSchema(Schema):
    """A stream to follow for live updates, and its sequence number when this was read."""

    stream = fields.String()
    last_seq = fields.Integer()


class ReviewEntrySchema(Schema):
    """An item as the deciding teacher sees it."""

    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    state = fields.String()
    stage = fields.String(allow_none=True)
    author = fields.String()
    class_label = fields.String()
    classroom_id = fields.Integer()
    link_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    submitted_at = fields.String()
    title = fields.String(allow_none=True)
    text = fields.String()
    context = fields.String(allow_none=True)
    images = fields.List(fields.Nested(ImageSchema))
    flags = fields.List(fields.Nested(FlagSchema))
    has_images = fields.Boolean()
    consent_work = fields.Boolean()
    needs_photo_confirmation = fields.Boolean()
    no_photo_consent = fields.List(fields.String())
    bulk_ok = fields.Boolean()
    can_decide = fields.Boolean()


class QueueSchema(Schema):
    """A queue: how many wait, the oldest first, and the streams that announce changes."""

    count = fields.Integer()
    items = fields.List(fields.Nested(ReviewEntrySchema))
    streams = fields.List(fields.Nested(StreamSchema))


class DecisionSchema(Schema):
    """An item after a decision: where it is in the rule now."""

    item_id = fields.Integer()
    state = fields.String()
    stage = fields.String(allow_none=True)
    version = fields.Integer()


class ApproveManySchema(Schema):
    """Which items were approved, and which were left for one-by-one review."""

    approved = fields.List(fields.Integer())
    skipped = fields.List(fields.Integer())


class HistorySchema(Schema):
    """One line of an item's history."""

    at = fields.String()
    who = fields.String()
    action = fields.String()
    reason = fields.String(allow_none=True)


class ItemSchema(Schema):
    """One item with its history and what this user may do with it."""

    item = fields.Nested(ReviewEntrySchema)
    history = fields.List(fields.Nested(HistorySchema))
    actions = fields.Dict(keys=fields.String(), values=fields.Boolean())


class ReportSchema(Schema):
    """A report to the facilitator."""

    id = fields.Integer()
    item_id = fields.Integer()
    reason = fields.String()
    reported_by = fields.String()
    created_at = fields.String()
    status = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    item = fields.Nested(ReviewEntrySchema, allow_none=True)


class AuditEntrySchema(Schema):
    """One line of an audit log."""

    id = fields.Integer()
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    kind = fields.String(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    link_id = fields.Integer(allow_none=True)
    classroom_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    shared = fields.Boolean()


class WatchListSchema(Schema):
    """A district's watch list."""

    words = fields.List(fields.String())


class ConcernSchema(Schema):
    """A safeguarding concern, as its school's lead reads it."""

    id = fields.Integer()
    about = fields.String()
    item = fields.Dict(allow_none=True)
    pupil = fields.Dict(allow_none=True)
    details = fields.String()
    raised_by = fields.String()
    created_at = fields.String()
    status = fields.String()
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ConcernRaisedSchema(Schema):
    """What the raising teacher hears back: recorded, and who will read it."""

    id = fields.Integer()
    status = fields.String()
    leads = fields.List(fields.String())


class NavEntrySchema(Schema):
    """A navigation entry with its count."""

    key = fields.String()
    label = fields.String()
    url = fields.String()
    count = fields.Integer()


class CountsSchema(Schema):
    """The navigation counts of this user, and the streams that change them."""

    entries = fields.List(fields.Nested(NavEntrySchema))
    streams = fields.List(fields.Nested(StreamSchema))
