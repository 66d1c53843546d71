"""Forms of the accounts pages: fields, labels and CSRF; the services hold the rules."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from exchange.accounts.credentials import PICTURES
from exchange.accounts.models import PHASE_NAMES, SchoolKind
from exchange.errors import DomainError

POLICY_CHOICES = [
    ("sender", "The sending class's teacher approves"),
    ("dual", "Both teachers approve"),
]
PHASE_CHOICES = [(str(n), f"{n}. {name}") for n, name in PHASE_NAMES.items()]
KIND_CHOICES = [(k.value, k.value.title()) for k in SchoolKind]
CREDENTIAL_CHOICES = [("pin", "A 4-digit PIN"), ("picture", "A picture password (3 pictures)")]
PICTURE_CHOICES = [(p, p.title()) for p in PICTURES]


class StaffSignInForm(FlaskForm):
    """Staff: email and password."""

    email = EmailField("Email", validators=[DataRequired()], render_kw={"autocomplete": "email"})
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class ClassCodeForm(FlaskForm):
    """Pupils: the class code on the board."""

    class_code = StringField(
        "Class code",
        validators=[DataRequired(message="Type your class code.")],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "class": "code-input",
        },
    )


class PinForm(FlaskForm):
    """A pupil's 4-digit PIN."""

    secret = PasswordField(
        "Your PIN",
        validators=[DataRequired(message="Type your 4 numbers.")],
        render_kw={
            "inputmode": "numeric",
            "pattern": "[0-9]{4}",
            "maxlength": 4,
            "autocomplete": "off",
            "class": "pin-input",
        },
    )


class PictureForm(FlaskForm):
    """A pupil's picture password: three pictures, in order."""

    first = RadioField("First picture", choices=PICTURE_CHOICES, validators=[InputRequired()])
    second = RadioField("Second picture", choices=PICTURE_CHOICES, validators=[InputRequired()])
    third = RadioField("Third picture", choices=PICTURE_CHOICES, validators=[InputRequired()])

    def secret(self) -> str:
        """The chosen pictures in their canonical form."""
        return "-".join([self.first.data or "", self.second.data or "", self.third.data or ""])


class NewPasswordMixin:
    """A new password typed twice."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=8, message="Use at least 8 characters.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    """An invited teacher or facilitator sets their name and password."""

    display_name = StringField(
        "Your name as colleagues and pupils see it",
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """A staff member changes their password."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


class DistrictForm(FlaskForm):
    """An admin creates a district."""

    name = StringField("District name", validators=[DataRequired(), Length(max=120)])


class SchoolForm(FlaskForm):
    """A facilitator registers a school."""

    name = StringField("School name", validators=[DataRequired(), Length(max=160)])
    kind = SelectField("Kind of school", choices=KIND_CHOICES)


class ClassForm(FlaskForm):
    """A facilitator registers a class."""

    school_id = SelectField("School", coerce=int, validate_choice=False)
    name = StringField("Class name", validators=[DataRequired(), Length(max=80)])
    year_group = StringField("Year group (optional)", validators=[Optional(), Length(max=20)])


class InviteTeacherForm(FlaskForm):
    """A facilitator invites a teacher to a school and, optionally, a class."""

    email = EmailField("Teacher's email", validators=[DataRequired()])
    school_id = SelectField("School", coerce=int, validate_choice=False)
    classroom_id = SelectField("Class (optional)", coerce=int, validate_choice=False)


class InviteFacilitatorForm(FlaskForm):
    """An admin invites a facilitator to a district."""

    email = EmailField("Facilitator's email", validators=[DataRequired()])


class LinkForm(FlaskForm):
    """A facilitator proposes a link between two classes."""

    class_a_id = SelectField("First class", coerce=int, validate_choice=False)
    class_b_id = SelectField("Partner class", coerce=int, validate_choice=False)
    academic_year = StringField("Academic year", validators=[DataRequired()])
    approval_policy = SelectField("Who approves pupils' work", choices=POLICY_CHOICES)
    phase = SelectField("Phase", choices=PHASE_CHOICES)


class LinkSettingsForm(FlaskForm):
    """A facilitator changes a link's phase or approval policy."""

    phase = SelectField("Phase", choices=PHASE_CHOICES)
    approval_policy = SelectField("Who approves pupils' work", choices=POLICY_CHOICES)


class AssignTeacherForm(FlaskForm):
    """A facilitator adds a teacher of the school to a class."""

    teacher_id = SelectField("Teacher", coerce=int, validate_choice=False)


class AddPupilForm(FlaskForm):
    """A teacher adds a pupil to the roster."""

    display_name = StringField(
        "First name and initial",
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "off", "placeholder": "Aisha K."},
    )
    credential_kind = RadioField("Signs in with", choices=CREDENTIAL_CHOICES, default="pin")


class ConsentForm(FlaskForm):
    """A teacher records a pupil's consent."""

    consent_photo = BooleanField("Photos may be shared")
    consent_work = BooleanField("Work may be shared")


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one field."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CardsForm(FlaskForm):
    """Which pupils get a new login card, and whether their credentials are renewed too."""

    pupil_ids = MultiCheckboxField("Pupils", coerce=int, validate_choice=False)
    reset_credentials = BooleanField("Also give these pupils a new PIN or picture password")


def apply_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's refusal next to its field, or at the top of the form."""
    field: Any = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), exc.message]
    else:
        form.form_errors.append(exc.message)
