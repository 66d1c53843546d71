"""Marshmallow schemas of the accounts API (they also generate its OpenAPI document)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from exchange.accounts.credentials import PICTURES

ROLES = ["admin", "facilitator", "teacher", "pupil"]
KINDS = ["primary", "secondary", "special"]
POLICIES = ["sender", "dual"]
CREDENTIALS = ["pin", "picture"]


class RefusalSchema(Schema):
    """Every refusal: a machine code and a plain-words message."""

    ok = fields.Boolean(dump_default=False)
    error = fields.String(metadata={"example": "invalid"})
    message = fields.String(metadata={"example": "Choose two different classes."})
    field = fields.String(metadata={"description": "The input field the refusal is about."})
    details = fields.Dict()


# ---- what the API returns -----------------------------------------------------------------


class UserSchema(Schema):
    """The signed-in user."""

    id = fields.Integer()
    kind = fields.Method("get_kind", metadata={"description": "staff or pupil"})
    role = fields.Function(lambda u: u.role.value, metadata={"enum": ROLES})
    display_name = fields.String()
    email = fields.Method("get_email", allow_none=True)
    district_id = fields.Integer(allow_none=True)
    school_id = fields.Integer(allow_none=True)
    classroom_id = fields.Integer(allow_none=True)
    class_ids = fields.Method("get_class_ids")
    is_dsl = fields.Boolean()

    def get_kind(self, user: Any) -> str:
        """staff or pupil."""
        return "pupil" if user.is_pupil else "staff"

    def get_email(self, user: Any) -> str | None:
        """Staff only: pupils have no email."""
        return None if user.is_pupil else user.email

    def get_class_ids(self, user: Any) -> list[int]:
        """The classes a teacher teaches, or a pupil's class."""
        if user.is_pupil:
            return [user.classroom_id]
        return [c.id for c in user.classrooms]


class SessionSchema(Schema):
    """Who is signed in on this browser, and the CSRF token for unsafe requests."""

    signed_in = fields.Boolean()
    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String(
        metadata={"description": "Send as the X-CSRFToken header on POST, PUT, PATCH, DELETE."}
    )


class DistrictSchema(Schema):
    """A district (local programme)."""

    id = fields.Integer()
    name = fields.String()


class ClassRefSchema(Schema):
    """A class as others see it: name and school."""

    id = fields.Integer()
    name = fields.String()
    school_id = fields.Integer()
    school_name = fields.Function(lambda c: c.school.name)


class PersonRefSchema(Schema):
    """A staff member by name."""

    id = fields.Integer()
    display_name = fields.String()


class ClassroomSchema(Schema):
    """A class, with its code and teachers."""

    id = fields.Integer()
    school_id = fields.Integer()
    school_name = fields.Function(lambda c: c.school.name)
    district_id = fields.Integer()
    name = fields.String()
    year_group = fields.String()
    code = fields.String()
    teachers = fields.List(fields.Nested(PersonRefSchema))
    pupil_count = fields.Function(lambda c: len([p for p in c.pupils if p.active]))


class SchoolSchema(Schema):
    """A school and its classes."""

    id = fields.Integer()
    district_id = fields.Integer()
    name = fields.String()
    kind = fields.Function(lambda s: s.kind.value, metadata={"enum": KINDS})
    classrooms = fields.List(fields.Nested(ClassroomSchema))


class DistrictDetailSchema(DistrictSchema):
    """A district with its schools and classes."""

    schools = fields.List(fields.Nested(SchoolSchema))


class StaffSchema(Schema):
    """A facilitator or teacher of a district."""

    id = fields.Integer()
    role = fields.Function(lambda u: u.role.value, metadata={"enum": ROLES})
    email = fields.String()
    display_name = fields.String()
    school_id = fields.Integer(allow_none=True)
    is_dsl = fields.Boolean()
    class_ids = fields.Function(lambda u: [c.id for c in u.classrooms])


class InvitationSchema(Schema):
    """An invitation waiting to be accepted."""

    id = fields.Integer()
    email = fields.String()
    role = fields.Function(lambda i: i.role.value)
    district_id = fields.Integer()
    school_id = fields.Integer(allow_none=True)
    classroom_id = fields.Integer(allow_none=True)
    expires_at = fields.DateTime()


class NewInvitationSchema(Schema):
    """A new invitation: its link is shown this once (only a hash is stored)."""

    invitation = fields.Nested(InvitationSchema)
    url = fields.String()


class LinkSchema(Schema):
    """A link between two classes."""

    id = fields.Integer()
    district_id = fields.Integer()
    class_a = fields.Nested(ClassRefSchema)
    class_b = fields.Nested(ClassRefSchema)
    academic_year = fields.String()
    approval_policy = fields.Function(
        lambda k: k.approval_policy.value, metadata={"enum": POLICIES}
    )
    phase = fields.Integer()
    phase_name = fields.String()
    status = fields.Function(lambda k: k.status.value)
    confirmed_a_at = fields.DateTime(allow_none=True)
    confirmed_b_at = fields.DateTime(allow_none=True)


class PupilSchema(Schema):
    """A pupil on the roster (for the class's teachers)."""

    id = fields.Integer()
    classroom_id = fields.Integer()
    display_name = fields.String()
    credential_kind = fields.Function(lambda p: p.credential_kind.value)
    active = fields.Boolean()
    consent_photo = fields.Boolean()
    consent_work = fields.Boolean()
    has_card = fields.Function(lambda p: p.card_token_hash is not None)


class RosterRowSchema(Schema):
    """A roster row: the pupil and their sign-in lock."""

    pupil = fields.Nested(PupilSchema)
    locked_until = fields.DateTime(allow_none=True)


class CredentialSchema(Schema):
    """A credential just set: shown this once, never stored in the clear."""

    pupil = fields.Nested(PupilSchema)
    credential_kind = fields.Function(lambda c: c.kind.value, metadata={"enum": CREDENTIALS})
    secret = fields.String(metadata={"description": "PIN digits, or picture names joined by -"})
    pictures = fields.List(fields.String())


class CardSchema(Schema):
    """A new login card: its sign-in URL carries the token in the fragment."""

    pupil_id = fields.Integer(attribute="pupil.id")
    display_name = fields.String(attribute="pupil.display_name")
    url = fields.String()
    credential = fields.Nested(CredentialSchema, allow_none=True)


class PupilNameSchema(Schema):
    """A name on the sign-in screen."""

    id = fields.Integer()
    display_name = fields.String()
    credential_kind = fields.Function(lambda p: p.credential_kind.value)


class ClassSignInSchema(Schema):
    """The class behind a class code and the names to pick from."""

    classroom = fields.Nested(ClassRefSchema)
    pupils = fields.List(fields.Nested(PupilNameSchema))
    pictures = fields.List(fields.String(), dump_default=list(PICTURES))


class ClassHomeSchema(Schema):
    """A teacher's class on their home page."""

    classroom = fields.Nested(ClassroomSchema)
    links = fields.List(fields.Nested(LinkSchema))
    active_link_id = fields.Function(lambda s: s.active_link.id if s.active_link else None)


class HomeSchema(Schema):
    """What a user's home page shows."""

    role = fields.String()
    link_id = fields.Integer(allow_none=True, metadata={"description": "pupils: the active link"})
    districts = fields.List(fields.Nested(DistrictSchema))
    classes = fields.List(fields.Nested(ClassHomeSchema))
    queue_total = fields.Integer(allow_none=True)


# ---- what the API accepts -----------------------------------------------------------------


class StaffSignInArgs(Schema):
    """Staff sign in with email and password."""

    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=1024))
    code = fields.String(
        load_default=None,
        validate=validate.Length(max=12),
        metadata={"description": "The 6-digit two-step code, for accounts that have it on."},
    )


class ClassCodeArgs(Schema):
    """A class code typed by a pupil."""

    class_code = fields.String(required=True, validate=validate.Length(max=40))


class PupilSignInArgs(ClassCodeArgs):
    """A pupil signs in: class code, their id from the names list, PIN or pictures."""

    pupil_id = fields.Integer(required=True)
    secret = fields.String(
        required=True,
        validate=validate.Length(max=100),
        metadata={"description": "4 digits, or three picture names joined by - (sun-tree-boat)"},
    )


class CardSignInArgs(Schema):
    """The token from a login card's URL fragment."""

    token = fields.String(required=True, validate=validate.Length(max=200))


class PasswordChangeArgs(Schema):
    """A staff member changes their password."""

    current_password = fields.String(required=True, validate=validate.Length(max=1024))
    new_password = fields.String(required=True, validate=validate.Length(max=1024))


class DistrictArgs(Schema):
    """A new district."""

    name = fields.String(required=True)


class SchoolArgs(Schema):
    """A new school."""

    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


class ClassArgs(Schema):
    """A new class."""

    name = fields.String(required=True)
    year_group = fields.String(load_default="")


class InvitationArgs(Schema):
    """Invite a teacher (to a school, optionally a class) or, for admins, a facilitator."""

    email = fields.String(required=True)
    role = fields.String(
        load_default="teacher", validate=validate.OneOf(["teacher", "facilitator"])
    )
    school_id = fields.Integer(load_default=None, allow_none=True)
    classroom_id = fields.Integer(load_default=None, allow_none=True)


class InvitationTokenArgs(Schema):
    """The token from an invitation link."""

    token = fields.String(required=True, validate=validate.Length(max=200))


class AcceptInvitationArgs(InvitationTokenArgs):
    """Accept an invitation: name and password of the new account."""

    display_name = fields.String(required=True)
    password = fields.String(required=True, validate=validate.Length(max=1024))


class AssignTeacherArgs(Schema):
    """A teacher of the school to add to the class."""

    teacher_id = fields.Integer(required=True)


class DslArgs(Schema):
    """Mark or unmark a designated safeguarding lead."""

    is_dsl = fields.Boolean(required=True)


class LinkArgs(Schema):
    """Propose a link."""

    class_a_id = fields.Integer(required=True)
    class_b_id = fields.Integer(required=True)
    academic_year = fields.String(load_default=None, metadata={"example": "2026-27"})
    approval_policy = fields.String(load_default="sender", validate=validate.OneOf(POLICIES))
    phase = fields.Integer(load_default=1)


class LinkUpdateArgs(Schema):
    """Change a link's phase or approval policy."""

    phase = fields.Integer(load_default=None)
    approval_policy = fields.String(load_default=None, validate=validate.OneOf(POLICIES))


class PupilArgs(Schema):
    """Add a pupil."""

    display_name = fields.String(required=True, metadata={"example": "Aisha K."})
    credential_kind = fields.String(load_default="pin", validate=validate.OneOf(CREDENTIALS))


class PupilUpdateArgs(Schema):
    """Rename a pupil, record consent, disable or enable them."""

    display_name = fields.String()
    consent_photo = fields.Boolean()
    consent_work = fields.Boolean()
    active = fields.Boolean()


class CredentialArgs(Schema):
    """A new credential, of the pupil's current kind unless given."""

    credential_kind = fields.String(load_default=None, validate=validate.OneOf(CREDENTIALS))


class CardsArgs(Schema):
    """Print new login cards."""

    pupil_ids = fields.List(fields.Integer(), load_default=None)
    reset_credentials = fields.Boolean(load_default=False)
