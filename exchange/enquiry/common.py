"""What every enquiry service shares: steps in words, finding a board, checks, owners, labels."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select

from exchange import authz, realtime
from exchange.accounts.models import Classroom, Pupil
from exchange.authz import enquiry as enquiry_authz
from exchange.enquiry.models import Enquiry, EnquiryGroup, EnquiryState, GroupMember, Step
from exchange.errors import Conflict, Forbidden, NotFound
from exchange.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def atomic(service: F) -> F:
    """A refused or failed action changes nothing: roll back whatever it had begun (the board's
    lock included), whoever called it."""

    @functools.wraps(service)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class StepInfo:
    """A step as teachers and pupils read it."""

    number: int
    key: str
    name: str
    pupil_words: str


STEPS: dict[int, StepInfo] = {
    info.number: info
    for info in (
        StepInfo(0, "ground_rules", "Ground rules", "How we talk together"),
        StepInfo(1, "stimulus", "Stimulus", "Look, listen and wonder"),
        StepInfo(2, "thinking", "Thinking time", "Quiet thinking: jot down your ideas"),
        StepInfo(3, "concepts", "Concepts", "Name the big ideas"),
        StepInfo(4, "questions", "Question making", "Write a big question"),
        StepInfo(5, "airing", "Question airing", "Look at everyone's questions"),
        StepInfo(6, "voting", "Voting", "Choose the question we will talk about"),
        StepInfo(7, "first_words", "First words", "The question's authors start us off"),
        StepInfo(8, "building", "Building", "Build on each other's ideas"),
        StepInfo(9, "last_words", "Last words", "One last thought"),
        StepInfo(10, "reflection", "Reflection", "How well did we think together?"),
    )
}

# The programme's four questions, which a stimulus may take as its theme.
THEMES = ("Who am I?", "Who are we?", "Where do we live?", "How do we all live together?")


def step_name(step: int) -> str:
    """The step's name in words."""
    return STEPS[step].name


def board_stream(enquiry_id: int) -> str:
    """The shared board of one enquiry: both classes, the district's facilitators."""
    return f"enquiry:{enquiry_id}"


def own_stream(enquiry_id: int, owner_key: str) -> str:
    """One pupil's or group's private stream in an enquiry: jottings and own votes."""
    return f"{enquiry_authz.OWN_STREAM}:{enquiry_id}:{owner_key}"


def publish(enquiry: Enquiry, kind: str, payload: dict[str, Any]) -> int:
    """Record a fact on the board's stream (emitted after the commit)."""
    return realtime.publish(
        board_stream(enquiry.id),
        kind,
        {"enquiry_id": enquiry.id, **payload},
        link_id=enquiry.link_id,
    )


def publish_own(enquiry: Enquiry, owner_key: str, kind: str, payload: dict[str, Any]) -> int:
    """Record a fact on an owner's private stream."""
    return realtime.publish(
        own_stream(enquiry.id, owner_key),
        kind,
        {"enquiry_id": enquiry.id, **payload},
        link_id=enquiry.link_id,
    )


# ----- finding a board and checking who may act ---------------------------------------------


def get_enquiry(actor: Any, enquiry_id: int) -> Enquiry:
    """An enquiry this user may read, or NotFound (others' boards are not revealed)."""
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None or not enquiry_authz.can_view_enquiry(actor, enquiry):
        raise NotFound("That enquiry does not exist.")
    return enquiry


def lock_enquiry(enquiry: Enquiry) -> Enquiry:
    """Take the enquiry's row lock for the rest of the transaction and re-read it.

    The update is the first write of the transaction: on PostgreSQL it locks the row, on SQLite
    it takes the database's write lock, so concurrent actions on one board queue up and each
    sees the others' committed changes (exact tallies, no lost step changes).
    """
    db.session.execute(
        Enquiry.__table__.update()
        .where(Enquiry.id == enquiry.id)
        .values(revision=Enquiry.revision + 1)
    )
    db.session.refresh(enquiry)
    return enquiry


def share_lock_enquiry(enquiry: Enquiry) -> Enquiry:
    """Hold the enquiry steady while voting: many votes share the lock, a teacher's change of
    the board (closing voting, moving on) waits for them and they wait for it.

    PostgreSQL: SELECT ... FOR SHARE, so votes do not queue behind each other. SQLite has one
    writer at a time anyway, so there the exclusive lock is taken.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return lock_enquiry(enquiry)
    # One statement locks the row and reloads its columns (the link stays loaded).
    db.session.execute(
        select(Enquiry)
        .where(Enquiry.id == enquiry.id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    return enquiry


def require_open(enquiry: Enquiry) -> None:
    """Closed enquiries stay readable but take no more changes."""
    if enquiry.state != EnquiryState.OPEN:
        raise Conflict("This enquiry has closed. It can still be read and printed.")


def require_runner(actor: Any, enquiry: Enquiry) -> None:
    """Only the link's teachers run the board."""
    if not enquiry_authz.can_run_enquiry(actor, enquiry):
        raise Forbidden("Only the teachers of the two classes can do that.")


def require_pupil(actor: Any, enquiry: Enquiry) -> Pupil:
    """Only pupils of the link's classes take part this way."""
    if not enquiry_authz.takes_part(actor, enquiry):
        raise Forbidden("Only pupils of the two classes can do that.")
    return actor


def require_step(enquiry: Enquiry, *steps: Step, doing: str) -> None:
    """Refuse an action that belongs to another step than the current one."""
    require_open(enquiry)
    if enquiry.step not in steps:
        wanted = " or ".join(f"“{step_name(s)}”" for s in steps)
        raise Conflict(
            f"You can {doing} only during {wanted}; the board is at “{step_name(enquiry.step)}”.",
            current_step=enquiry.step,
        )


def require_not_paused(enquiry: Enquiry) -> None:
    """While the teacher has paused the board, pupils wait."""
    if enquiry.paused:
        raise Conflict("The board is paused by your teacher. Please wait a moment.")


def require_pupil_action(actor: Any, enquiry: Enquiry, *steps: Step, doing: str) -> Pupil:
    """The checks every pupil action on a step makes, in the order a pupil would understand."""
    pupil = require_pupil(actor, enquiry)
    require_step(enquiry, *steps, doing=doing)
    require_not_paused(enquiry)
    return pupil


def teacher_class_id(actor: Any, enquiry: Enquiry) -> int:
    """The class through which a teacher runs this link's board."""
    class_id = authz.class_of_actor_in_link(actor, enquiry.link)
    if class_id is None:
        raise Forbidden("Only the teachers of the two classes can do that.")
    return class_id


# ----- owners: a pupil alone or their group -------------------------------------------------


def group_of(enquiry_id: int, pupil_id: int) -> EnquiryGroup | None:
    """The group a pupil works in for this enquiry, if any."""
    return db.session.scalar(
        select(EnquiryGroup)
        .join(GroupMember, GroupMember.group_id == EnquiryGroup.id)
        .where(GroupMember.enquiry_id == enquiry_id, GroupMember.pupil_id == pupil_id)
    )


def owner_key(group: EnquiryGroup | None, pupil_id: int) -> str:
    """`g<group id>` for a group's work, `p<pupil id>` for a pupil alone."""
    return f"g{group.id}" if group is not None else f"p{pupil_id}"


def owner_of(enquiry: Enquiry, pupil: Pupil) -> tuple[EnquiryGroup | None, str]:
    """The pupil's group (if any) and the key their votes, jottings and last words count under."""
    group = group_of(enquiry.id, pupil.id)
    return group, owner_key(group, pupil.id)


def first_name(display_name: str) -> str:
    """A pupil's first name from their display name ("Aisha K." gives "Aisha")."""
    return (display_name or "").split(" ")[0] or display_name


def join_names(names: list[str]) -> str:
    """ "Aisha", "Aisha and Tom", "Aisha, Tom and Sam"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def author_label(item: Any, group: EnquiryGroup | None) -> str:
    """How the board names who wrote something: the group, or the pupil or teacher."""
    return group.name if group is not None else item.author_name


def class_label(classroom_id: int) -> str:
    """ "Class 5A, Oakfield Primary"."""
    classroom = db.session.get(Classroom, classroom_id)
    return classroom.label if classroom else ""
