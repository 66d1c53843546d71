"""Marshmallow schemas of the events area, shared by the JSON API and the socket commands."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.rooms.events.live import MAX_COUNT, REACTIONS
from exchange.rooms.events.stage import ACTIONS

ID = fields.Integer(validate=validate.Range(min=1))


class SegmentSchema(Schema):
    """One segment of a run of show."""

    kind = fields.String(
        required=True, validate=validate.OneOf(["welcome", "showcase", "activity", "goodbye"])
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=160))
    minutes = fields.Integer(load_default=5, validate=validate.Range(min=1, max=180))
    link_id = fields.Integer(load_default=None, allow_none=True)
    classroom_id = fields.Integer(load_default=None, allow_none=True)


class EventCreateSchema(Schema):
    """A new event."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=160))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    district_ids = fields.List(fields.Integer(), load_default=None)
    host_id = fields.Integer(load_default=None, allow_none=True)
    segments = fields.List(fields.Nested(SegmentSchema), load_default=None)


class EventUpdateSchema(Schema):
    """Changes to an event's details (every field optional)."""

    title = fields.String(validate=validate.Length(min=1, max=160))
    description = fields.String(validate=validate.Length(max=2000))
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()


class RunOfShowSchema(Schema):
    """The whole run of show, replacing the old one."""

    segments = fields.List(fields.Nested(SegmentSchema), required=True)


class InviteSchema(Schema):
    """Links (both classes) and single classes to invite."""

    link_ids = fields.List(fields.Integer(), load_default=list)
    class_ids = fields.List(fields.Integer(), load_default=list)


class AnswerSchema(Schema):
    """A teacher's answer to an invitation."""

    classroom_id = fields.Integer(required=True)
    accept = fields.Boolean(required=True)


class HelperSchema(Schema):
    """The helper teacher for shout-outs (null clears)."""

    teacher_id = fields.Integer(required=True, allow_none=True)


class ShowcaseNewSchema(Schema):
    """A new showcase item."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    classroom_id = fields.Integer(load_default=None, allow_none=True)
    client_id = fields.String(load_default=None, validate=validate.Length(max=64))


class ShowcaseChooseSchema(Schema):
    """Approved work chosen for the showcase."""

    item_id = fields.Integer(required=True)
    title = fields.String(load_default="", validate=validate.Length(max=120))


class FeedbackSchema(Schema):
    """Feedback when returning an item."""

    feedback = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ShoutoutSchema(Schema):
    """A shout-out for the wall."""

    event_id = fields.Integer(load_default=None)
    text = fields.String(required=True, validate=validate.Length(min=1, max=140))
    client_id = fields.String(load_default=None, validate=validate.Length(max=64))


class JoinEventSchema(Schema):
    """A screen joins (or leaves) an event."""

    event_id = fields.Integer(required=True)
    classroom_id = fields.Integer(load_default=None, allow_none=True)


class StageActionSchema(Schema):
    """One stage action of the event's facilitator."""

    event_id = fields.Integer(load_default=None)
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    position = fields.Integer(load_default=None, allow_none=True)
    showcase_id = fields.Integer(load_default=None, allow_none=True)
    classroom_id = fields.Integer(load_default=None, allow_none=True)


class StaffMessageSchema(Schema):
    """A backchannel message."""

    event_id = fields.Integer(load_default=None)
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ReactSchema(Schema):
    """A reaction or applause click (documentation: the socket path validates by hand)."""

    kind = fields.String(required=True, validate=validate.OneOf([*REACTIONS, "applause"]))
    count = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_COUNT))


class EventOutSchema(Schema):
    """An event as the API returns it."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    state = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    district_ids = fields.List(fields.Integer())
    host = fields.String()
    helper = fields.String(allow_none=True)
    segments = fields.List(fields.Dict())
    invitations = fields.List(fields.Dict())


class ResultSchema(Schema):
    """A generic answer: ok plus what the action returned."""

    ok = fields.Boolean()
    data = fields.Raw()
