"""Marshmallow schemas of the insights API: what clients send, and every figure it answers with.

Schemas dump the services' own objects (dataclasses and models) by attribute, so the API cannot
drift from the pages: both show the same computed figures.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from exchange.insights import template, thresholds
from exchange.insights.surveys import FREE_TEXT_MAX

# ----- what the client sends ----------------------------------------------------------------


class YearQuerySchema(Schema):
    """Which academic year (this one when left out)."""

    year = fields.String(load_default=None, metadata={"example": "2026-27"})


class ResultsQuerySchema(YearQuerySchema):
    """A district's results, optionally with one link's group (a teacher's own link)."""

    link_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


class PublishSurveySchema(Schema):
    """A round of the survey to publish from the built-in template."""

    class Meta:
        unknown = EXCLUDE

    round = fields.String(
        required=True, validate=validate.OneOf(["before", "after"]), metadata={"example": "before"}
    )
    statements = fields.List(
        fields.String(validate=validate.OneOf([s.key for s in template.STATEMENTS])),
        load_default=None,
        metadata={"description": "Template statement keys; all of them when left out."},
    )
    question = fields.String(
        load_default=None,
        validate=validate.Length(max=template.QUESTION_MAX),
        metadata={"description": "The free-text question; '' for none; the template's default."},
    )
    closes_at = fields.AwareDateTime(load_default=None)
    year = fields.String(load_default=None, metadata={"example": "2026-27"})


class AnswerSchema(Schema):
    """A pupil's answers: statement key to 1-5 (null or left out to skip), and free text."""

    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(allow_none=True, strict=True),
        load_default=dict,
    )
    text = fields.String(load_default="", validate=validate.Length(max=FREE_TEXT_MAX))


# ----- what the API answers -----------------------------------------------------------------


class RefusalSchema(Schema):
    """A refusal: a code and a plain-words message (field and details for bad input)."""

    ok = fields.Boolean(dump_default=False)
    error = fields.String(required=True)
    message = fields.String(required=True)
    field = fields.String()
    details = fields.Dict()


class OkSchema(Schema):
    """Done."""

    ok = fields.Boolean(dump_default=True)


class ThresholdsSchema(Schema):
    """The thresholds behind the warnings and the suppression of small groups."""

    quiet_days = fields.Integer()
    one_sided_share = fields.Float()
    one_sided_min_exchanges = fields.Integer()
    overdue_days = fields.Integer()
    meetings_target = fields.Integer()
    min_group = fields.Integer()
    confidence = fields.Float()


class FlagSchema(Schema):
    """A warning on a link, with its reason in words."""

    kind = fields.String(metadata={"description": "quiet, one_sided or overdue"})
    label = fields.String()
    reason = fields.String()


class ClassFiguresSchema(Schema):
    """One class of a link: what it sent, its share, what waits for its teachers."""

    classroom_id = fields.Integer()
    name = fields.String()
    school = fields.String()
    sent = fields.Integer(attribute="tally.sent", metadata={"description": "new work sent"})
    responded = fields.Integer(attribute="tally.responded", metadata={"description": "replies"})
    exchanges = fields.Integer(attribute="tally.total")
    last_exchange_at = fields.DateTime(attribute="tally.last_at", allow_none=True)
    share = fields.Float(allow_none=True, metadata={"description": "of the link's exchanges"})
    waiting = fields.Integer(attribute="tally.waiting")
    oldest_waiting_at = fields.DateTime(attribute="tally.oldest_waiting_at", allow_none=True)
    waiting_days = fields.Integer(allow_none=True)


class MeetingSchema(Schema):
    """A live session or celebration, held or planned."""

    at = fields.DateTime()
    kind = fields.String(metadata={"description": "live or celebration"})
    title = fields.String()
    held = fields.Boolean()


class EnquirySummarySchema(Schema):
    """A P4C enquiry the classes ran."""

    at = fields.DateTime()
    title = fields.String()


class LinkFiguresSchema(Schema):
    """Every figure of one link's health."""

    link_id = fields.Integer()
    label = fields.String()
    long_label = fields.String()
    academic_year = fields.String()
    status = fields.String()
    phase = fields.Integer()
    phase_name = fields.String()
    started_at = fields.DateTime(allow_none=True)
    classes = fields.List(fields.Nested(ClassFiguresSchema))
    exchanges = fields.Integer()
    last_exchange_at = fields.DateTime(allow_none=True)
    last_contact_at = fields.DateTime(allow_none=True)
    enquiries = fields.List(fields.Nested(EnquirySummarySchema))
    enquiry_count = fields.Function(lambda f: len(f.enquiries))
    live_sessions_held = fields.Integer()
    meetings_held = fields.Integer()
    meets_target = fields.Boolean()
    upcoming = fields.List(fields.Nested(MeetingSchema))
    meetings = fields.List(fields.Nested(MeetingSchema))
    oldest_waiting_days = fields.Integer(allow_none=True)
    open_reports = fields.Integer()
    checklist_done = fields.Integer()
    flags = fields.List(fields.Nested(FlagSchema))


class DistrictHealthSchema(Schema):
    """A district's dashboard: every link of a year, flagged first, and the totals."""

    district_id = fields.Integer()
    district_name = fields.String()
    academic_year = fields.String()
    years = fields.List(fields.String())
    computed_at = fields.DateTime(attribute="now")
    links = fields.List(fields.Nested(LinkFiguresSchema))
    totals = fields.Method("totals_of")
    thresholds = fields.Method("thresholds_of")

    def totals_of(self, board: Any) -> dict[str, Any]:
        """The at-a-glance numbers."""
        return {
            "links": len(board.links),
            "active_links": len(board.active_links),
            "needing_attention": len(board.needing_attention),
            "quiet": board.count_flagged("quiet"),
            "one_sided": board.count_flagged("one_sided"),
            "overdue": board.count_flagged("overdue"),
            "meeting_target": board.meeting_target,
            "exchanges": board.exchanges,
            "median_exchanges": board.median_exchanges,
            "open_reports": board.open_reports,
        }

    def thresholds_of(self, _board: Any) -> dict[str, Any]:
        """The thresholds the flags were computed with."""
        return thresholds.as_dict()


class StepSchema(Schema):
    """A step of the co-planning checklist, ticked or not."""

    step = fields.String(attribute="info.step.value")
    phase = fields.Integer(attribute="info.phase")
    title = fields.String(attribute="info.title")
    hint = fields.String(attribute="info.hint")
    done = fields.Boolean()
    ticked_at = fields.DateTime(allow_none=True)
    ticked_by = fields.String(allow_none=True)
    evidence = fields.String(allow_none=True)


class MonthSchema(Schema):
    """One month of a link's year."""

    month = fields.Date(attribute="start")
    label = fields.String(attribute="long_label")
    sent_a = fields.Function(lambda m: m.sent[0])
    sent_b = fields.Function(lambda m: m.sent[1])
    meetings = fields.Integer()
    enquiries = fields.Integer()


class MomentSchema(Schema):
    """A milestone of a link's year."""

    at = fields.DateTime()
    kind = fields.String()
    text = fields.String()


class CandidateSchema(Schema):
    """Approved work that may go in (or is in) the end-of-year report; never the pupil's name."""

    item_id = fields.Integer()
    class_name = fields.String()
    approved_at = fields.DateTime()
    title = fields.String()
    text = fields.String()
    images = fields.List(fields.Dict())
    chosen = fields.Boolean()
    chosen_by = fields.String(allow_none=True)


class LinkHealthSchema(Schema):
    """A link's own page: figures, checklist, months and milestones."""

    figures = fields.Nested(LinkFiguresSchema)
    checklist = fields.List(fields.Nested(StepSchema))
    months = fields.List(fields.Nested(MonthSchema))
    moments = fields.List(fields.Nested(MomentSchema))
    can_plan = fields.Boolean()
    computed_at = fields.DateTime()


class CellSchema(Schema):
    """One group's answers to one statement in one round; null figures when hidden."""

    shown = fields.Boolean()
    n = fields.Integer(allow_none=True)
    mean = fields.Float(allow_none=True)
    sd = fields.Function(lambda c: c.summary.sd if c.summary else None, allow_none=True)
    reason = fields.String(allow_none=True)


class ChangeSchema(Schema):
    """The change of the average and its confidence interval (Welch)."""

    diff = fields.Float()
    low = fields.Float()
    high = fields.Float()
    df = fields.Float()
    confidence = fields.Float()
    direction = fields.String(attribute="certain_direction")


class ResultRowSchema(Schema):
    """A statement for one group: before, after, the change and the words for it."""

    statement = fields.String()
    text = fields.String()
    before = fields.Nested(CellSchema, allow_none=True)
    after = fields.Nested(CellSchema, allow_none=True)
    change = fields.Nested(ChangeSchema, allow_none=True)
    words = fields.String()


class ResultGroupSchema(Schema):
    """The district, or one link."""

    key = fields.String()
    label = fields.String()
    link_id = fields.Integer(allow_none=True)
    rows = fields.List(fields.Nested(ResultRowSchema))


class SurveySchema(Schema):
    """A round of the survey."""

    id = fields.Integer()
    district_id = fields.Integer()
    academic_year = fields.String()
    round = fields.String(metadata={"description": "before or after"})
    round_name = fields.String()
    statements = fields.List(fields.Dict(), metadata={"description": "[{key, text}]"})
    question = fields.String()
    closes_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    open = fields.Boolean()


class ProgressSchema(Schema):
    """How many pupils of a class have answered (counts only)."""

    classroom_id = fields.Integer()
    label = fields.String()
    answered = fields.Integer()
    pupils = fields.Integer()


class SurveyWithProgressSchema(SurveySchema):
    """A round with how many have answered in each class."""

    progress = fields.List(fields.Nested(ProgressSchema))


class ResultsSchema(Schema):
    """A district's results for the groups the viewer may see."""

    district_id = fields.Integer()
    academic_year = fields.String()
    before = fields.Nested(SurveySchema, allow_none=True)
    after = fields.Nested(SurveySchema, allow_none=True)
    statements = fields.List(fields.String())
    notes = fields.List(fields.String())
    groups = fields.List(fields.Nested(ResultGroupSchema))
    min_group = fields.Function(lambda _r: thresholds.MIN_GROUP)


class TemplateSchema(Schema):
    """The built-in survey: statements, scale and default questions."""

    statements = fields.List(fields.Dict())
    scale = fields.List(fields.Dict())
    questions = fields.Dict()


class VoiceSchema(Schema):
    """A link's pupil voice: results, answering progress, and the teacher's own class's words."""

    link_id = fields.Integer()
    results = fields.Nested(ResultsSchema)
    rounds = fields.List(fields.Nested(SurveyWithProgressSchema))
    free_text = fields.List(fields.Dict())


class ReportSchema(Schema):
    """The end-of-year report's content."""

    district_id = fields.Integer()
    district_name = fields.String()
    academic_year = fields.String()
    generated_at = fields.DateTime()
    schools = fields.Integer()
    classes = fields.Integer()
    pupils = fields.Integer()
    health = fields.Nested(DistrictHealthSchema)
    results = fields.Nested(ResultsSchema)
    chosen = fields.List(fields.Dict())
