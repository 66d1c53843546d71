"""Running a board: open an enquiry, ground rules, steps, pause, timer, stimulus, close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from exchange import authz, realtime
from exchange.accounts.linking import links_of_classes
from exchange.accounts.models import Link, LinkStatus, Role
from exchange.authz import enquiry as enquiry_authz
from exchange.enquiry import voting
from exchange.enquiry.common import (
    STEPS,
    THEMES,
    atomic,
    get_enquiry,
    lock_enquiry,
    publish,
    require_open,
    require_runner,
    require_step,
    step_name,
)
from exchange.enquiry.models import (
    ChosenQuestion,
    Enquiry,
    EnquiryState,
    GroundRules,
    Hand,
    HandState,
    Question,
    Step,
    StimulusKind,
    VotingState,
)
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ItemState
from exchange.space import images, storage
from exchange.types import utcnow

TITLE_MAX = 120
RULE_MAX = 150
RULES_MAX = 12
STIMULUS_TEXT_MAX = 5000
URL_MAX = 500
ALT_MAX = 300
TIMER_MIN, TIMER_MAX = 10, 60 * 60

# Shown until the two teachers record what their classes agreed.
SUGGESTED_RULES = [
    "We listen when someone is speaking.",
    "We give reasons for what we think.",
    "We can agree or disagree with ideas, kindly: never with people.",
    "We build on each other's ideas.",
    "Everyone is welcome to speak; nobody has to.",
    "It is fine to change your mind.",
]


# ----- links: enquiries, ground rules -------------------------------------------------------


def get_link(actor: Any, link_id: int) -> Link:
    """A link whose boards this user may read, or NotFound."""
    link = db.session.get(Link, link_id)
    if link is None or not authz.can_view_link(actor, link):
        raise NotFound("That link does not exist.")
    return link


def links_for(actor: Any) -> list[Link]:
    """The links whose boards this user takes part in or oversees (not merely proposed ones)."""
    if authz.is_pupil(actor):
        class_ids = [actor.classroom_id]
    elif authz.is_staff(actor) and actor.role == Role.TEACHER:
        class_ids = [c.id for c in actor.classrooms]
    elif (
        authz.is_staff(actor)
        and actor.district_id
        and authz.oversees_district(actor, actor.district_id)
    ):
        stmt = select(Link).where(Link.district_id == actor.district_id)
        return list(
            db.session.scalars(stmt.where(Link.status != LinkStatus.PROPOSED).order_by(Link.id))
        )
    else:
        return []
    found = [link for link in links_of_classes(class_ids) if link.status != LinkStatus.PROPOSED]
    # Active before archived (the stored values' order), newest first within each.
    return sorted(found, key=lambda link: (link.status.value, -link.id))


def enquiries_of(actor: Any, link_id: int) -> list[Enquiry]:
    """A link's enquiries, newest first."""
    link = get_link(actor, link_id)
    stmt = select(Enquiry).where(Enquiry.link_id == link.id).order_by(Enquiry.id.desc())
    return list(db.session.scalars(stmt))


def open_enquiry_of(link_id: int) -> Enquiry | None:
    """The link's open enquiry, if there is one."""
    return db.session.scalar(
        select(Enquiry).where(Enquiry.link_id == link_id, Enquiry.state == EnquiryState.OPEN)
    )


def ground_rules(link: Link) -> dict[str, Any]:
    """The link's agreed guidelines (or the suggested ones, until the teachers set theirs)."""
    row = db.session.get(GroundRules, link.id)
    if row is None:
        return {"rules": list(SUGGESTED_RULES), "agreed": False, "updated_at": None}
    return {"rules": list(row.rules), "agreed": True, "updated_at": row.updated_at.isoformat()}


@atomic
def set_ground_rules(actor: Any, link_id: int, rules: list[str]) -> dict[str, Any]:
    """Record the two classes' agreed guidelines; every open board shows them at once."""
    link = get_link(actor, link_id)
    if not enquiry_authz.can_open_enquiry(actor, link):
        raise Forbidden("Only the teachers of the two classes can change the ground rules.")
    cleaned = [" ".join(str(r).split()) for r in rules or []]
    cleaned = [r for r in cleaned if r]
    if not cleaned:
        raise Invalid("Please write at least one ground rule.", field="rules")
    if len(cleaned) > RULES_MAX:
        raise Invalid(f"Please keep to at most {RULES_MAX} ground rules.", field="rules")
    if any(len(r) > RULE_MAX for r in cleaned):
        raise Invalid(f"Each ground rule can be at most {RULE_MAX} characters.", field="rules")
    row = db.session.get(GroundRules, link.id) or GroundRules(link_id=link.id)
    row.rules, row.updated_by_id, row.updated_at = cleaned, actor.id, utcnow()
    db.session.add(row)
    db.session.flush()
    view = ground_rules(link)
    realtime.publish(realtime.link_stream(link.id), "ground_rules_changed", view, link_id=link.id)
    enquiry = open_enquiry_of(link.id)
    if enquiry is not None:
        publish(enquiry, "ground_rules_changed", view)
    db.session.commit()
    return view


@atomic
def open_enquiry(
    actor: Any,
    link_id: int,
    *,
    title: str = "",
    use_concepts: bool = True,
    from_question_id: int | None = None,
) -> Enquiry:
    """A teacher of either class opens an enquiry (optionally from a parked question)."""
    link = get_link(actor, link_id)
    if not enquiry_authz.can_open_enquiry(actor, link):
        raise Forbidden("Only the teachers of the two classes can open an enquiry.")
    if not link.is_active:
        raise Conflict("This link is not active, so no enquiry can be opened on it.")
    title = " ".join((title or "").split())
    if len(title) > TITLE_MAX:
        raise Invalid(f"The title can be at most {TITLE_MAX} characters.", field="title")
    if open_enquiry_of(link.id) is not None:
        raise Conflict("This link already has an open enquiry. Close it before opening another.")
    parked = _parked_question(link, from_question_id) if from_question_id else None
    if not title:
        count = db.session.scalar(select(func.count()).where(Enquiry.link_id == link.id)) or 0
        title = parked.current_text if parked else f"Enquiry {count + 1}"
    enquiry = Enquiry(
        link_id=link.id, link=link, title=title, use_concepts=use_concepts, opened_by_id=actor.id
    )
    db.session.add(enquiry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "This link already has an open enquiry. Close it before opening another."
        ) from None
    if parked is not None:
        parked.carried_into_id = enquiry.id
        enquiry.stimulus_kind = StimulusKind.QUESTION
        enquiry.stimulus_title = "A question we parked last time"
        enquiry.stimulus_text = parked.current_text
    realtime.publish(
        realtime.link_stream(link.id),
        "enquiry_opened",
        {"enquiry_id": enquiry.id, "title": enquiry.title},
        link_id=link.id,
    )
    db.session.commit()
    return enquiry


def _parked_question(link: Link, question_id: int) -> Question:
    """A parked, approved question of this link that no later enquiry has taken up yet."""
    question = db.session.get(Question, question_id)
    if question is None or question.item.link_id != link.id:
        raise NotFound("That parked question does not exist.", field="from_question_id")
    if question.item.state != ItemState.APPROVED or question.parked_at is None:
        raise Conflict("Only parked questions can start a new enquiry.", field="from_question_id")
    if question.carried_into_id is not None:
        raise Conflict("That question has already started an enquiry.", field="from_question_id")
    return question


# ----- steps --------------------------------------------------------------------------------


def _neighbour(enquiry: Enquiry, direction: str) -> int:
    """The next or previous step, skipping the concepts step when the board does not use it."""
    delta = 1 if direction == "next" else -1
    target = enquiry.step + delta
    if target == Step.CONCEPTS and not enquiry.use_concepts:
        target += delta
    if target < Step.GROUND_RULES:
        raise Conflict("The board is already at the first step.")
    if target > Step.REFLECTION:
        raise Conflict("The board is at the last step. Close the enquiry when you are ready.")
    return target


def _check_can_leave(enquiry: Enquiry) -> None:
    """What must be done before a step can be left going forward."""
    if enquiry.step == Step.STIMULUS and enquiry.stimulus_kind is None:
        raise Conflict("Please share a stimulus before moving on.")
    if enquiry.step == Step.AIRING and not voting.votable_questions(enquiry):
        raise Conflict("There are no approved questions to vote on yet.")
    if enquiry.step == Step.VOTING and db.session.get(ChosenQuestion, enquiry.id) is None:
        raise Conflict("Please confirm the chosen question before moving on.")


@atomic
def move_step(actor: Any, enquiry_id: int, *, direction: str, from_step: int) -> Enquiry:
    """Move the board one step forward or back; every screen follows.

    `from_step` is the step the teacher's screen showed: if the other teacher moved the board
    meanwhile, the move is refused rather than applied twice.
    """
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_open(enquiry)
    if direction not in ("next", "back"):
        raise Invalid("Say whether to go to the next step or back.", field="direction")
    lock_enquiry(enquiry)
    if enquiry.step != from_step:
        raise Conflict(
            f"The board has already moved to “{step_name(enquiry.step)}”.",
            current_step=enquiry.step,
        )
    target = _neighbour(enquiry, direction)
    if direction == "next":
        _check_can_leave(enquiry)
    changed = db.session.execute(
        update(Enquiry)
        .where(Enquiry.id == enquiry.id, Enquiry.step == from_step)
        .values(step=target)
    ).rowcount
    if changed != 1:  # the lock makes this unreachable on both engines; kept as the last guard
        raise Conflict("The board has already moved on.")
    db.session.refresh(enquiry)
    if from_step == Step.VOTING and enquiry.voting_state == VotingState.OPEN:
        voting.close_voting_now(enquiry)
    if target != Step.FIRST_WORDS and direction == "next":
        _end_speaking(enquiry, keep_waiting=target == Step.BUILDING)
    publish(enquiry, "board_step", step_payload(enquiry, direction, actor))
    db.session.commit()
    return enquiry


def step_payload(enquiry: Enquiry, direction: str, actor: Any) -> dict[str, Any]:
    """The `board_step` fact: where the board is now, in words for pupils."""
    info = STEPS[enquiry.step]
    payload: dict[str, Any] = {
        "step": info.number,
        "step_key": info.key,
        "step_name": info.name,
        "pupil_words": info.pupil_words,
        "direction": direction,
        "by": actor.display_name,
    }
    if enquiry.step == Step.FIRST_WORDS:
        payload["invited"] = voting.chosen_author_names(enquiry)
    return payload


def _end_speaking(enquiry: Enquiry, *, keep_waiting: bool) -> None:
    """Leaving the spoken steps lowers every hand (building keeps the queue from first words)."""
    if keep_waiting:
        return
    now = utcnow()
    db.session.execute(
        update(Hand)
        .where(Hand.enquiry_id == enquiry.id, Hand.active.is_not(None))
        .values(state=HandState.DONE, active=None, done_at=now)
    )


@atomic
def set_paused(actor: Any, enquiry_id: int, paused: bool) -> Enquiry:
    """Pause the board (pupils wait, the timer stops) or carry on."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_open(enquiry)
    lock_enquiry(enquiry)
    if enquiry.paused == paused:
        db.session.rollback()
        return enquiry
    enquiry.paused = paused
    if paused and enquiry.timer_ends_at is not None:
        enquiry.timer_remaining = _remaining(enquiry)
        enquiry.timer_ends_at = None
    elif not paused and enquiry.timer_remaining:
        enquiry.timer_ends_at = utcnow() + timedelta(seconds=enquiry.timer_remaining)
        enquiry.timer_remaining = None
    publish(enquiry, "board_paused", {"paused": paused, "timer": timer_view(enquiry)})
    db.session.commit()
    return enquiry


# ----- timer --------------------------------------------------------------------------------


def _remaining(enquiry: Enquiry) -> int:
    """Whole seconds left on a running timer."""
    if enquiry.timer_ends_at is None:
        return enquiry.timer_remaining or 0
    return max(0, round((enquiry.timer_ends_at - utcnow()).total_seconds()))


def timer_view(enquiry: Enquiry) -> dict[str, Any]:
    """The timer every screen shows; clients count down from `ends_at` against `server_now`."""
    running = enquiry.timer_ends_at is not None
    return {
        "running": running,
        "ends_at": enquiry.timer_ends_at.isoformat() if running else None,
        "remaining": _remaining(enquiry) if (running or enquiry.timer_remaining) else None,
        "duration": enquiry.timer_seconds,
        "server_now": utcnow().isoformat(),
    }


@atomic
def set_timer(actor: Any, enquiry_id: int, action: str, seconds: int | None = None) -> Enquiry:
    """Start a timer for some seconds, pause it, resume it, or stop it."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_open(enquiry)
    lock_enquiry(enquiry)
    if action == "start":
        if seconds is None or not TIMER_MIN <= seconds <= TIMER_MAX:
            raise Invalid(
                f"A timer runs for {TIMER_MIN} seconds to {TIMER_MAX // 60} minutes.",
                field="seconds",
            )
        enquiry.timer_seconds = seconds
        enquiry.timer_remaining = seconds if enquiry.paused else None
        enquiry.timer_ends_at = None if enquiry.paused else utcnow() + timedelta(seconds=seconds)
    elif action == "pause":
        if enquiry.timer_ends_at is None:
            raise Conflict("The timer is not running.")
        enquiry.timer_remaining, enquiry.timer_ends_at = _remaining(enquiry), None
    elif action == "resume":
        if enquiry.timer_ends_at is not None or not enquiry.timer_remaining:
            raise Conflict("There is no paused timer to carry on.")
        if enquiry.paused:
            raise Conflict("Carry on with the board first; the timer resumes with it.")
        remaining, enquiry.timer_remaining = enquiry.timer_remaining, None
        enquiry.timer_ends_at = utcnow() + timedelta(seconds=remaining)
    elif action == "stop":
        enquiry.timer_ends_at = enquiry.timer_remaining = enquiry.timer_seconds = None
    else:
        raise Invalid("The timer can be started, paused, resumed or stopped.", field="action")
    publish(enquiry, "timer_changed", {"timer": timer_view(enquiry)})
    db.session.commit()
    return enquiry


# ----- stimulus -----------------------------------------------------------------------------


def _clean_theme(theme: str | None) -> str | None:
    """A theme is one of the programme's four questions, or none."""
    if theme in (None, ""):
        return None
    if theme not in THEMES:
        raise Invalid("The theme must be one of the programme's four questions.", field="theme")
    return theme


@atomic
def set_stimulus(
    actor: Any,
    enquiry_id: int,
    *,
    kind: str,
    title: str = "",
    text: str = "",
    url: str | None = None,
    post_item_id: int | None = None,
    theme: str | None = None,
    image_name: str | None = None,
    alt: str = "",
) -> Enquiry:
    """Share the stimulus: a text, a story, a picture, a link to a video shown in class, or an
    approved post from the link's space."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.STIMULUS, doing="share a stimulus")
    try:
        stimulus_kind = StimulusKind(kind)
    except ValueError:
        raise Invalid(
            "Choose a text, a story, a picture, a video link or a post.", field="kind"
        ) from None
    title = " ".join((title or "").split())
    text = (text or "").strip()
    if len(title) > TITLE_MAX:
        raise Invalid(f"The title can be at most {TITLE_MAX} characters.", field="title")
    if len(text) > STIMULUS_TEXT_MAX:
        raise Invalid(f"The text can be at most {STIMULUS_TEXT_MAX} characters.", field="text")
    theme = _clean_theme(theme)
    fields: dict[str, Any] = {"stimulus_url": None, "stimulus_image": None, "stimulus_alt": ""}
    fields["stimulus_item_id"] = None
    if stimulus_kind == StimulusKind.TEXT:
        if not text:
            raise Invalid("Please write the text the classes will read.", field="text")
    elif stimulus_kind == StimulusKind.STORY:
        if not title or not text:
            raise Invalid("A story needs a title and its text.", field="text" if title else "title")
    elif stimulus_kind == StimulusKind.VIDEO:
        fields["stimulus_url"] = _clean_url(url)
        if not title:
            raise Invalid(
                "Please give the video a title the classes will recognise.", field="title"
            )
    elif stimulus_kind == StimulusKind.PICTURE:
        if not image_name:
            raise Invalid("Please choose a picture to upload.", field="image")
        alt = " ".join((alt or "").split())
        if not alt or len(alt) > ALT_MAX:
            raise Invalid(
                f"Please describe the picture in words (at most {ALT_MAX} characters), for "
                "pupils who cannot see it.",
                field="alt",
            )
        fields["stimulus_image"], fields["stimulus_alt"] = image_name, alt
    elif stimulus_kind == StimulusKind.POST:
        fields["stimulus_item_id"] = _shareable_post(actor, enquiry, post_item_id).id
    else:
        raise Invalid("A parked question is shared by starting an enquiry from it.", field="kind")
    lock_enquiry(enquiry)
    enquiry.stimulus_kind, enquiry.stimulus_title, enquiry.stimulus_text = (
        stimulus_kind,
        title,
        text,
    )
    enquiry.theme = theme
    for name, value in fields.items():
        setattr(enquiry, name, value)
    db.session.flush()
    publish(enquiry, "stimulus_shared", {"stimulus": stimulus_view(enquiry)})
    db.session.commit()
    return enquiry


@atomic
def set_picture_stimulus(
    actor: Any,
    enquiry_id: int,
    *,
    data: bytes,
    filename: str | None,
    title: str = "",
    alt: str = "",
    theme: str | None = None,
) -> Enquiry:
    """Share a picture: checked and re-encoded clean (no EXIF, GPS or comments) before it is
    stored, served only to the board's readers."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.STIMULUS, doing="share a stimulus")
    if not data:
        raise Invalid("Please choose a picture to upload.", field="image")
    try:
        clean = images.process(data, filename)
    except images.ImageRefused as refused:
        raise Invalid(refused.message, field="image") from None
    store = storage.get_storage()
    previous = enquiry.stimulus_image
    key = store.save(clean.full.data)
    try:
        set_stimulus(
            actor, enquiry_id, kind="picture", title=title, alt=alt, theme=theme, image_name=key
        )
    except Exception:
        store.delete(key)
        raise
    if previous and previous != key:
        store.delete(previous)
    return enquiry


def picture_of(actor: Any, enquiry_id: int) -> tuple[bytes, str]:
    """The stimulus picture's bytes and type, for the board's readers only."""
    enquiry = get_enquiry(actor, enquiry_id)
    if not enquiry.stimulus_image:
        raise NotFound("This enquiry has no picture.")
    try:
        with storage.get_storage().open(enquiry.stimulus_image) as stored:
            data = stored.read()
    except (FileNotFoundError, ValueError):
        raise NotFound("This enquiry has no picture.") from None
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return data, kind


def _clean_url(url: str | None) -> str:
    """A web address of a video shown in class (the board links to it; nothing is embedded)."""
    url = (url or "").strip()
    parsed = urlparse(url)
    if not url or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Invalid("Please give the video's web address, starting with https://.", field="url")
    if len(url) > URL_MAX:
        raise Invalid(f"The web address can be at most {URL_MAX} characters.", field="url")
    return url


def _shareable_post(actor: Any, enquiry: Enquiry, item_id: int | None) -> Any:
    """An approved post of this link's space that the teacher can see."""
    if item_id is None:
        raise Invalid("Please choose a post from the space.", field="post_item_id")
    item = db.session.get(rule.ModerationItem, item_id)
    if item is None or item.kind != ItemKind.POST or not rule.can_view_item(actor, item):
        raise NotFound("That post does not exist.", field="post_item_id")
    if item.link_id != enquiry.link_id:
        raise Invalid("Only posts from this link's space can be shared.", field="post_item_id")
    if item.state != ItemState.APPROVED:
        raise Conflict("Only approved posts can be shared.", field="post_item_id")
    return item


def stimulus_view(enquiry: Enquiry) -> dict[str, Any] | None:
    """The stimulus as every screen shows it (a post only while it is still approved)."""
    if enquiry.stimulus_kind is None:
        return None
    view: dict[str, Any] = {
        "kind": enquiry.stimulus_kind.value,
        "title": enquiry.stimulus_title,
        "text": enquiry.stimulus_text,
        "url": enquiry.stimulus_url,
        "image_url": None,
        "alt": enquiry.stimulus_alt,
        "theme": enquiry.theme,
    }
    if enquiry.stimulus_image:
        view["image_url"] = f"/enquiries/{enquiry.id}/stimulus/picture"
    item = enquiry.stimulus_item
    if item is not None:
        view["post"] = {"item_id": item.id, "removed": item.state != ItemState.APPROVED}
        if item.state == ItemState.APPROVED:
            try:
                view["post"].update(rule.channel_for(item).public_view(item))
            except LookupError:  # the space's channel is not installed: show what we know
                view["post"]["text"] = ""
    return view


# ----- closing ------------------------------------------------------------------------------


@atomic
def close_enquiry(actor: Any, enquiry_id: int) -> Enquiry:
    """Close the enquiry: it stays readable and printable; nothing more can be added."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_open(enquiry)
    lock_enquiry(enquiry)
    if enquiry.voting_state == VotingState.OPEN:
        voting.close_voting_now(enquiry)
    _end_speaking(enquiry, keep_waiting=False)
    enquiry.state, enquiry.open_slot, enquiry.closed_at = EnquiryState.CLOSED, None, utcnow()
    enquiry.paused = False
    enquiry.timer_ends_at = enquiry.timer_remaining = enquiry.timer_seconds = None
    publish(enquiry, "enquiry_closed", {"closed_at": enquiry.closed_at.isoformat()})
    realtime.publish(
        realtime.link_stream(enquiry.link_id),
        "enquiry_closed",
        {"enquiry_id": enquiry.id, "title": enquiry.title},
        link_id=enquiry.link_id,
    )
    db.session.commit()
    return enquiry
