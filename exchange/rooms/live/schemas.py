"""Marshmallow schemas of the live area: the API's bodies and answers, and socket payloads.

Text limits are checked by the services, which answer with the exact reason ("at most 280
characters"); the schemas check shapes and types.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="Not a valid message id.")
POSITIVE = validate.Range(min=1)


class SessionRefSchema(Schema):
    """Which session."""

    session_id = fields.Integer(required=True, validate=POSITIVE)


class SendMessageSchema(SessionRefSchema):
    """A chat message, with the sender's message id so a retried send is stored once."""

    text = fields.String(required=True)
    client_id = fields.String(load_default=None, validate=CLIENT_ID)


class MessageBodySchema(Schema):
    """A chat message sent through the API."""

    text = fields.String(required=True)
    client_id = fields.String(load_default=None, validate=CLIENT_ID)


class DecideSchema(SessionRefSchema):
    """Approve a message in the live queue."""

    item_id = fields.Integer(required=True, validate=POSITIVE)


class ReturnSchema(DecideSchema):
    """Return a message to its pupil with a word of feedback."""

    feedback = fields.String(required=True)


class FeedbackBodySchema(Schema):
    """The feedback of a return, through the API."""

    feedback = fields.String(required=True)


class ReactSchema(SessionRefSchema):
    """A reaction from the safe set."""

    reaction = fields.String(required=True, validate=validate.Length(max=20))


class ReactionBodySchema(Schema):
    """A reaction through the API."""

    reaction = fields.String(required=True, validate=validate.Length(max=20))


class LowerHandSchema(SessionRefSchema):
    """Lower a hand: your own (pupil), one pupil's or all your class's (teacher)."""

    pupil_id = fields.Integer(load_default=None, validate=POSITIVE)


class LowerHandBodySchema(Schema):
    """Lower hands through the API."""

    pupil_id = fields.Integer(load_default=None, validate=POSITIVE)


class StageSchema(SessionRefSchema):
    """Put an approved post or question on the stage (null clears it)."""

    item_id = fields.Integer(load_default=None, allow_none=True, validate=POSITIVE)


class StageBodySchema(Schema):
    """The stage through the API."""

    item_id = fields.Integer(load_default=None, allow_none=True, validate=POSITIVE)


class SegmentSchema(SessionRefSchema):
    """Move every screen to an agenda segment."""

    position = fields.Integer(required=True, validate=validate.Range(min=0, max=50))


class SegmentBodySchema(Schema):
    """The agenda segment through the API."""

    position = fields.Integer(required=True, validate=validate.Range(min=0, max=50))


class PauseSchema(SessionRefSchema):
    """Pause or resume pupils' chat."""

    paused = fields.Boolean(required=True)


class PauseBodySchema(Schema):
    """Pause through the API."""

    paused = fields.Boolean(required=True)


class TeacherNoteSchema(SessionRefSchema):
    """A message on the teachers' private channel."""

    text = fields.String(required=True)
    client_id = fields.String(load_default=None, validate=CLIENT_ID)


class AgendaLineSchema(Schema):
    """One agenda segment of a plan."""

    kind = fields.String(
        load_default="other",
        validate=validate.OneOf(["welcome", "game", "sharing", "p4c", "goodbye", "other"]),
    )
    title = fields.String(load_default="", validate=validate.Length(max=80))
    minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 240))


class PlanSchema(Schema):
    """A session's plan: title, day and London times, agenda."""

    title = fields.String(required=True)
    date = fields.Date(required=True, metadata={"description": "The day, in the UK"})
    start_time = fields.Time(required=True, metadata={"description": "Start, UK time (HH:MM)"})
    end_time = fields.Time(required=True, metadata={"description": "End, UK time (HH:MM)"})
    segments = fields.List(fields.Nested(AgendaLineSchema), load_default=None)


class CancelBodySchema(Schema):
    """Why a session is called off (optional)."""

    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ListQuerySchema(Schema):
    """Filter the session list."""

    class_id = fields.Integer(load_default=None, validate=POSITIVE)
    past = fields.Boolean(load_default=False)


class SegmentOutSchema(Schema):
    """An agenda segment."""

    position = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    minutes = fields.Integer(allow_none=True)


class ClassOutSchema(Schema):
    """One of the two classes."""

    id = fields.Integer()
    label = fields.String()


class SessionOutSchema(Schema):
    """A live session as the API shows it."""

    id = fields.Integer()
    link_id = fields.Integer()
    title = fields.String()
    status = fields.String(metadata={"description": "proposed, confirmed or cancelled"})
    phase = fields.String(
        metadata={"description": "proposed, expired, cancelled, scheduled, lobby, live, ended"}
    )
    phase_label = fields.String()
    starts_at = fields.String(metadata={"description": "ISO 8601, UTC"})
    ends_at = fields.String()
    lobby_opens_at = fields.String()
    ended_at = fields.String(allow_none=True)
    when = fields.String(metadata={"description": "The start in words, UK time"})
    until = fields.String()
    zone = fields.String()
    countdown = fields.String()
    classes = fields.List(fields.Nested(ClassOutSchema))
    proposed_by = fields.String()
    confirming_class = fields.String()
    cancel_reason = fields.String(allow_none=True)
    chat_paused = fields.Boolean()
    segment_position = fields.Integer()
    segments = fields.List(fields.Nested(SegmentOutSchema))
    calendar_sequence = fields.Integer()
    streams = fields.Dict(keys=fields.String(), values=fields.String())
    can = fields.Dict(keys=fields.String(), values=fields.Boolean())


class SessionListSchema(Schema):
    """Sessions, upcoming first (or most recent past first)."""

    sessions = fields.List(fields.Nested(SessionOutSchema))


class MessageAckSchema(Schema):
    """A stored chat message: where it is in the approval rule."""

    ok = fields.Boolean(dump_default=True)
    item_id = fields.Integer()
    client_id = fields.String(allow_none=True)
    state = fields.String()
    stage = fields.String(allow_none=True)
    text = fields.String()
    feedback = fields.String(allow_none=True)
    repeated = fields.Boolean()


class ChatMessageSchema(Schema):
    """An approved chat message, with its place in the order everyone sees."""

    item_id = fields.Integer()
    seq = fields.Integer()
    session_id = fields.Integer()
    text = fields.String()
    author = fields.String()
    by_teacher = fields.Boolean()
    class_id = fields.Integer()
    class_label = fields.String()
    sent_at = fields.String()


class ChatListSchema(Schema):
    """Approved chat in order, and the caller's own waiting or returned messages."""

    messages = fields.List(fields.Nested(ChatMessageSchema))
    mine = fields.List(fields.Nested(MessageAckSchema))


class QueueSchema(Schema):
    """Messages waiting for this teacher (entries as the moderation queue shows them)."""

    items = fields.List(fields.Dict())


class SnapshotSchema(Schema):
    """Everything a session screen shows now, and the stream positions it is current to."""

    session = fields.Nested(SessionOutSchema)
    seqs = fields.Dict(keys=fields.String(), values=fields.Integer())
    presence = fields.Dict()
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer())
    hands = fields.Dict()
    stage = fields.Dict(allow_none=True)
    chat = fields.List(fields.Nested(ChatMessageSchema))
    mine = fields.List(fields.Nested(MessageAckSchema))
    my_hand_up = fields.Boolean()
    queue = fields.List(fields.Dict())
    notes = fields.List(fields.Dict())
    stage_choices = fields.List(fields.Dict())


class ResultSchema(Schema):
    """The outcome of a command."""

    ok = fields.Boolean(dump_default=True)
    item_id = fields.Integer()
    state = fields.String()
    stage = fields.Raw(allow_none=True)
    feedback = fields.String(allow_none=True)
    reaction = fields.String()
    hand_up = fields.Boolean()
    lowered = fields.Integer()
    position = fields.Integer()
    paused = fields.Boolean()
    ended_at = fields.String()


class NoteSchema(Schema):
    """A message between the two teachers."""

    note_id = fields.Integer()
    text = fields.String()
    author = fields.String()
    class_label = fields.String()
    sent_at = fields.String()
    client_id = fields.String(allow_none=True)
    repeated = fields.Boolean()


class NoteListSchema(Schema):
    """The teachers' channel so far."""

    notes = fields.List(fields.Nested(NoteSchema))


class TranscriptLineSchema(Schema):
    """A transcript line: a message or a stage moment."""

    seq = fields.Integer()
    at = fields.String(metadata={"description": "UK time, HH:MM:SS"})
    type = fields.String(metadata={"description": "message or moment"})
    who = fields.String()
    class_label = fields.String()
    by_teacher = fields.Boolean()
    text = fields.String()


class TranscriptSchema(Schema):
    """A session's transcript."""

    session = fields.Nested(SessionOutSchema)
    agenda = fields.List(fields.Nested(SegmentOutSchema))
    entries = fields.List(fields.Nested(TranscriptLineSchema))
