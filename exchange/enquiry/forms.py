"""Forms of the enquiry pages that work without JavaScript: opening an enquiry, the ground
rules, the prompt bank. Fields, labels and CSRF only; the services hold the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class OpenEnquiryForm(FlaskForm):
    """Open an enquiry on a link."""

    title = StringField("Title (optional)", validators=[Optional(), Length(max=120)])
    use_concepts = BooleanField("Include the “big ideas” (concepts) step", default=True)
    from_question_id = SelectField(
        "Start from a parked question (optional)", choices=[], validate_choice=False
    )


class GroundRulesForm(FlaskForm):
    """The two classes' agreed guidelines, one per line."""

    rules = TextAreaField("Our ground rules (one on each line)", validators=[Length(max=4000)])


class PromptForm(FlaskForm):
    """A prompt in the teacher's bank."""

    text = StringField("Prompt", validators=[Length(max=400)])
