"""Forms of the insights pages: fields, labels and CSRF; the services hold the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from exchange.insights import template

ROUND_CHOICES = [
    ("before", "Start of year (before the classes meet)"),
    ("after", "End of year (after the celebration)"),
]


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PublishSurveyForm(FlaskForm):
    """A facilitator publishes a round of the pupil-voice survey."""

    round = RadioField(
        "Which survey", choices=ROUND_CHOICES, validators=[InputRequired("Choose a round.")]
    )
    statements = MultiCheckboxField(
        "Statements pupils answer on the 5-point scale",
        choices=[(s.key, s.text) for s in template.STATEMENTS],
        default=[s.key for s in template.STATEMENTS],
    )
    question = StringField(
        "A question pupils answer in their own words (leave empty for none)",
        validators=[Optional()],
        render_kw={"maxlength": template.QUESTION_MAX},
    )
    closes_on = DateField("Closes at the end of (optional)", validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
