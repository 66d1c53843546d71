"""Accounts: districts, schools, classes, staff, pupils, links and invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums are stored as their values in a short string column on every engine."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    """What kind of account a signed-in user has."""

    ADMIN = "admin"
    FACILITATOR = "facilitator"
    TEACHER = "teacher"
    PUPIL = "pupil"


class SchoolKind(enum.StrEnum):
    """The phase of a school."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"


class ApprovalPolicy(enum.StrEnum):
    """Who must approve a pupil's item before the partner class sees it."""

    SENDER = "sender"
    DUAL = "dual"


class Phase(enum.IntEnum):
    """The three phases of a linking year."""

    IDENTITY = 1
    COMMUNITY = 2
    CELEBRATION = 3


PHASE_NAMES = {1: "Identity", 2: "Community", 3: "Celebration"}


class LinkStatus(enum.StrEnum):
    """A link's life: proposed by a facilitator, confirmed by both teachers, archived."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    ARCHIVED = "archived"


class CredentialKind(enum.StrEnum):
    """How a pupil proves who they are on a class tablet."""

    PIN = "pin"
    PICTURE = "picture"


class District(db.Model):  # type: ignore[name-defined]
    """A local programme run by facilitators."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    watch_words: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.name")


class School(db.Model):  # type: ignore[name-defined]
    """A school registered in a district."""

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[SchoolKind] = mapped_column(_enum(SchoolKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship(back_populates="schools")
    classrooms: Mapped[list[Classroom]] = relationship(
        back_populates="school", order_by="Classroom.name"
    )

    __table_args__ = (UniqueConstraint("district_id", "name"),)


class_teacher = Table(
    "class_teacher",
    db.metadata,
    Column("classroom_id", ForeignKey("classroom.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True),
)


class Classroom(db.Model):  # type: ignore[name-defined]
    """A class of pupils with one or more teachers; pupils sign in with its code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    year_group: Mapped[str] = mapped_column(String(20), default="")
    code: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship(back_populates="classrooms")
    teachers: Mapped[list[User]] = relationship(
        secondary=class_teacher, back_populates="classrooms", order_by="User.display_name"
    )
    pupils: Mapped[list[Pupil]] = relationship(
        back_populates="classroom", order_by="Pupil.display_name"
    )

    __table_args__ = (UniqueConstraint("school_id", "name"),)

    @property
    def district_id(self) -> int:
        """The district the class belongs to, through its school."""
        return self.school.district_id

    @property
    def label(self) -> str:
        """How the class is named to the partner class: class and school."""
        return f"{self.name}, {self.school.name}"


class User(db.Model):  # type: ignore[name-defined]
    """A staff account: admin, facilitator or teacher. Pupils are in Pupil."""

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    is_dsl: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District | None] = relationship()
    school: Mapped[School | None] = relationship()
    classrooms: Mapped[list[Classroom]] = relationship(
        secondary=class_teacher, back_populates="teachers", order_by="Classroom.name"
    )

    __table_args__ = (CheckConstraint("role <> 'pupil'", name="staff_role"),)

    is_pupil = False

    @property
    def is_authenticated(self) -> bool:
        """Flask-Login: a loaded staff account is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Flask-Login: disabled accounts cannot sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Flask-Login: never anonymous."""
        return False

    def get_id(self) -> str:
        """Flask-Login id: kind, id and session version, so revocation is one increment."""
        return f"staff:{self.id}:{self.session_version}"

    @property
    def actor_key(self) -> str:
        """Stable identifier for logs and audit rows."""
        return f"staff:{self.id}"


class Pupil(db.Model):  # type: ignore[name-defined]
    """A pupil: display name only (first name and initial), no email, no surname."""

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(40))
    credential_kind: Mapped[CredentialKind] = mapped_column(
        _enum(CredentialKind), default=CredentialKind.PIN
    )
    credential_hash: Mapped[str | None] = mapped_column(String(255))
    card_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    consent_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_work: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="pupils")

    __table_args__ = (UniqueConstraint("classroom_id", "display_name"),)

    role = Role.PUPIL
    is_pupil = True
    district_id = None

    @property
    def is_authenticated(self) -> bool:
        """Flask-Login: a loaded pupil is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Flask-Login: a disabled pupil cannot sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Flask-Login: never anonymous."""
        return False

    def get_id(self) -> str:
        """Flask-Login id: kind, id and session version."""
        return f"pupil:{self.id}:{self.session_version}"

    @property
    def actor_key(self) -> str:
        """Stable identifier for logs and audit rows."""
        return f"pupil:{self.id}"


class Link(db.Model):  # type: ignore[name-defined]
    """Two classes of different schools in one district, paired for an academic year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    class_a_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"), index=True)
    class_b_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"), index=True)
    academic_year: Mapped[str] = mapped_column(String(9))
    approval_policy: Mapped[ApprovalPolicy] = mapped_column(
        _enum(ApprovalPolicy), default=ApprovalPolicy.SENDER
    )
    phase: Mapped[int] = mapped_column(Integer, default=int(Phase.IDENTITY))
    status: Mapped[LinkStatus] = mapped_column(_enum(LinkStatus), default=LinkStatus.PROPOSED)
    confirmed_a_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_b_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship()
    class_a: Mapped[Classroom] = relationship(foreign_keys=[class_a_id])
    class_b: Mapped[Classroom] = relationship(foreign_keys=[class_b_id])

    __table_args__ = (
        CheckConstraint("class_a_id <> class_b_id", name="two_classes"),
        CheckConstraint("phase BETWEEN 1 AND 3", name="phase_range"),
        UniqueConstraint("class_a_id", "class_b_id", "academic_year"),
    )

    @property
    def class_ids(self) -> tuple[int, int]:
        """Both classes' ids."""
        return (self.class_a_id, self.class_b_id)

    def partner_of(self, classroom_id: int) -> int:
        """The other class's id."""
        if classroom_id == self.class_a_id:
            return self.class_b_id
        if classroom_id == self.class_b_id:
            return self.class_a_id
        raise ValueError(f"class {classroom_id} is not in link {self.id}")

    def classroom(self, classroom_id: int) -> Classroom:
        """One of the two classes by id."""
        return self.class_a if classroom_id == self.class_a_id else self.class_b

    @property
    def is_active(self) -> bool:
        """Active: confirmed by both teachers and not archived."""
        return self.status == LinkStatus.ACTIVE

    @property
    def phase_name(self) -> str:
        """The phase in words."""
        return PHASE_NAMES.get(self.phase, str(self.phase))


class Invitation(db.Model):  # type: ignore[name-defined]
    """A single-use, expiring invitation for a facilitator or a teacher."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(_enum(Role))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship()
    school: Mapped[School | None] = relationship()
    classroom: Mapped[Classroom | None] = relationship()


class LoginThrottle(db.Model):  # type: ignore[name-defined]
    """Failed sign-in attempts per key (a pupil, a device, a class code, a staff account)."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
