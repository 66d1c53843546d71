"""Forms of the live area: planning a session (with its agenda) and calling one off."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from exchange.rooms.live.models import SEGMENT_LABELS
from exchange.rooms.live.services import Plan, SegmentPlan

AGENDA_ROWS = 8
KIND_CHOICES = [("", "(not used)")] + [(k.value, label) for k, label in SEGMENT_LABELS.items()]


class AgendaRowForm(Form):
    """One agenda line; rows left on "(not used)" are ignored."""

    kind = SelectField("Kind", choices=KIND_CHOICES, default="")
    title = StringField("Title", validators=[Optional(), Length(max=80)])
    minutes = IntegerField("Minutes", validators=[Optional(), NumberRange(min=1, max=240)])


class ScheduleForm(FlaskForm):
    """Title, day and UK times of a live session, and its agenda."""

    title = StringField("Title", validators=[DataRequired(), Length(min=3, max=120)])
    date = DateField("Date", validators=[DataRequired()])
    start_time = TimeField("Starts (UK time)", validators=[DataRequired()])
    end_time = TimeField("Ends (UK time)", validators=[DataRequired()])
    segments = FieldList(FormField(AgendaRowForm), min_entries=AGENDA_ROWS, max_entries=AGENDA_ROWS)

    def fill_agenda(self, segments: list[SegmentPlan]) -> None:
        """Put an agenda into the rows (the rest stay unused)."""
        for row, seg in zip(self.segments, segments, strict=False):
            row.kind.data = seg.kind
            row.title.data = seg.title
            row.minutes.data = seg.minutes

    def plan(self) -> Plan:
        """The plan the teacher typed."""
        segments = [
            SegmentPlan(row.kind.data, row.title.data or "", row.minutes.data)
            for row in self.segments
            if row.kind.data
        ]
        return Plan(
            title=self.title.data or "",
            day=self.date.data,
            start=self.start_time.data,
            end=self.end_time.data,
            segments=segments,
        )


class CancelForm(FlaskForm):
    """Why the session is called off (told to the other teacher)."""

    reason = TextAreaField(
        "Reason (optional, shown to the other teacher)", validators=[Optional(), Length(max=500)]
    )


class ConfirmForm(FlaskForm):
    """Confirm a proposed session (a button with its CSRF token)."""
