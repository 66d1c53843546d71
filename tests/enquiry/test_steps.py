"""Opening, ground rules, every step transition forward and back, pause, timer, stimulus, close."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange import realtime
from exchange.enquiry import services
from exchange.enquiry.common import board_stream
from exchange.enquiry.models import Enquiry, EnquiryState, Step
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.realtime import StreamEvent
from tests import factories
from tests.enquiry.walk import open_board, step, walk_to


def board_events(enquiry, kind=None):
    stmt = select(StreamEvent).where(StreamEvent.stream == board_stream(enquiry.id))
    if kind:
        stmt = stmt.where(StreamEvent.kind == kind)
    return list(db.session.scalars(stmt.order_by(StreamEvent.seq)))


def test_either_teacher_opens_an_enquiry_at_the_ground_rules(world):
    enquiry = services.open_enquiry(world.teacher_b, world.link.id, title="  What is home? ")
    assert enquiry.title == "What is home?"
    assert enquiry.step == Step.GROUND_RULES and enquiry.state == EnquiryState.OPEN
    opened = realtime.events_after(realtime.link_stream(world.link.id), 0)
    assert [e.kind for e in opened] == ["enquiry_opened"]


@pytest.mark.parametrize(
    "role", ["pupil_a", "pupil_b", "teacher_c", "facilitator", "admin", "other_facilitator"]
)
def test_only_the_links_teachers_open_enquiries(world, role):
    with pytest.raises((Forbidden, NotFound)):
        services.open_enquiry(world.actor(role), world.link.id)
    assert db.session.scalar(select(Enquiry.id)) is None


def test_a_link_has_one_open_enquiry_at_a_time(world, board):
    with pytest.raises(Conflict, match="already has an open enquiry"):
        services.open_enquiry(world.teacher_b, world.link.id)
    services.close_enquiry(world.teacher_b, board.id)
    second = services.open_enquiry(world.teacher_b, world.link.id)
    assert second.title == "Enquiry 2"


def test_an_inactive_link_cannot_open_an_enquiry(world):
    link = factories.make_link(
        world.class_a, factories.make_classroom(world.school_b), active=False
    )
    db.session.commit()
    with pytest.raises(Conflict, match="not active"):
        services.open_enquiry(world.teacher_a, link.id)


def test_over_long_title_is_refused(world):
    with pytest.raises(Invalid, match="at most 120"):
        services.open_enquiry(world.teacher_a, world.link.id, title="x" * 121)
    assert db.session.scalar(select(Enquiry.id)) is None


def test_ground_rules_start_suggested_and_teachers_agree_their_own(world, board):
    assert services.ground_rules(world.link)["agreed"] is False
    view = services.set_ground_rules(
        world.teacher_b, world.link.id, ["We listen.", "  We  give reasons. ", ""]
    )
    assert view == {
        "rules": ["We listen.", "We give reasons."],
        "agreed": True,
        "updated_at": view["updated_at"],
    }
    assert [e.kind for e in board_events(board)] == ["ground_rules_changed"]
    snapshot = services.board_snapshot(world.pupil_b, board.id)
    assert snapshot["ground_rules"]["rules"] == ["We listen.", "We give reasons."]


@pytest.mark.parametrize(
    "rules, message",
    [
        ([], "at least one"),
        (["  "], "at least one"),
        (["a"] * 13, "at most 12"),
        (["x" * 151], "150"),
    ],
)
def test_bad_ground_rules_are_refused(world, rules, message):
    with pytest.raises(Invalid, match=message):
        services.set_ground_rules(world.teacher_a, world.link.id, rules)
    assert services.ground_rules(world.link)["agreed"] is False


def test_pupils_cannot_change_ground_rules(world):
    with pytest.raises(Forbidden):
        services.set_ground_rules(world.pupil_a, world.link.id, ["We shout."])


def test_every_step_forward_and_back_is_published(world, board):
    walk_to(world, board, Step.REFLECTION)
    steps = [e.payload["step"] for e in board_events(board, "board_step")]
    assert steps == list(range(1, 11))
    for expected in range(9, -1, -1):
        step(world, board, "back", teacher=world.teacher_b)
        assert board.step == expected
    with pytest.raises(Conflict, match="first step"):
        step(world, board, "back")
    last = board_events(board, "board_step")[-1].payload
    assert last["step_name"] == "Ground rules" and last["direction"] == "back"
    assert last["by"] == "Mr Ben Wood"


def test_the_last_step_goes_no_further(world, board):
    walk_to(world, board, Step.REFLECTION)
    with pytest.raises(Conflict, match="last step"):
        step(world, board)


def test_concepts_step_is_skipped_when_not_used(world):
    enquiry = open_board(world, use_concepts=False)
    walk_to(world, enquiry, Step.THINKING)
    step(world, enquiry)
    assert enquiry.step == Step.QUESTIONS
    step(world, enquiry, "back")
    assert enquiry.step == Step.THINKING


def test_stimulus_step_needs_a_stimulus(world, board):
    step(world, board)
    with pytest.raises(Conflict, match="stimulus"):
        step(world, board)
    assert db.session.get(Enquiry, board.id).step == Step.STIMULUS


def test_airing_needs_an_approved_question_to_vote_on(world, board):
    walk_to(world, board, Step.QUESTIONS)
    services.submit_question(world.pupil_a, board.id, "Is a pending question on the board?")
    step(world, board)
    with pytest.raises(Conflict, match="no approved questions"):
        step(world, board)


def test_voting_needs_a_confirmed_question(world, board):
    walk_to(world, board, Step.AIRING)
    walk_to_voting = services.move_step(world.teacher_a, board.id, direction="next", from_step=5)
    assert walk_to_voting.step == Step.VOTING
    with pytest.raises(Conflict, match="confirm the chosen question"):
        step(world, board)


def test_a_stale_screen_cannot_move_the_board_twice(world, board):
    services.move_step(world.teacher_a, board.id, direction="next", from_step=0)
    with pytest.raises(Conflict, match="already moved to “Stimulus”") as refused:
        services.move_step(world.teacher_b, board.id, direction="next", from_step=0)
    assert refused.value.details == {"current_step": 1}
    assert db.session.get(Enquiry, board.id).step == Step.STIMULUS


@pytest.mark.parametrize("role", ["pupil_a", "pupil_b", "teacher_c", "facilitator", "admin"])
def test_only_the_links_teachers_move_the_board(world, board, role):
    with pytest.raises((Forbidden, NotFound)):
        services.move_step(world.actor(role), board.id, direction="next", from_step=0)
    assert db.session.get(Enquiry, board.id).step == 0


def test_unknown_direction_is_refused(world, board):
    with pytest.raises(Invalid):
        services.move_step(world.teacher_a, board.id, direction="sideways", from_step=0)


def test_boards_of_other_links_are_not_found(world, board):
    with pytest.raises(NotFound):
        services.get_enquiry(world.pupil_c, board.id)
    with pytest.raises(NotFound):
        services.board_snapshot(world.other_facilitator, board.id)
    assert services.board_snapshot(world.facilitator, board.id)["viewer"]["role"] == "observer"


def test_pause_stops_pupils_and_the_timer_and_carrying_on_resumes_it(world, board):
    walk_to(world, board, Step.CONCEPTS)
    services.set_timer(world.teacher_a, board.id, "start", 120)
    services.set_paused(world.teacher_b, board.id, True)
    assert board.paused and board.timer_ends_at is None and 118 <= board.timer_remaining <= 120
    with pytest.raises(Conflict, match="paused"):
        services.submit_concept(world.pupil_a, board.id, "fairness")
    services.set_paused(world.teacher_a, board.id, False)
    assert board.timer_ends_at is not None and board.timer_remaining is None
    kinds = [e.kind for e in board_events(board)]
    assert kinds[-3:] == ["timer_changed", "board_paused", "board_paused"]


def test_pupils_wait_while_paused(world, board):
    walk_to(world, board, Step.QUESTIONS)
    services.set_paused(world.teacher_a, board.id, True)
    with pytest.raises(Conflict, match="paused"):
        services.submit_question(world.pupil_a, board.id, "Can I write while paused?")
    services.set_paused(world.teacher_a, board.id, False)
    assert services.submit_question(world.pupil_a, board.id, "Can I write now?").id


def test_timer_start_pause_resume_stop(world, board):
    services.set_timer(world.teacher_a, board.id, "start", 60)
    view = services.timer_view(board)
    assert view["running"] and view["duration"] == 60 and 58 <= view["remaining"] <= 60
    services.set_timer(world.teacher_a, board.id, "pause")
    assert services.timer_view(board)["running"] is False
    with pytest.raises(Conflict):
        services.set_timer(world.teacher_a, board.id, "pause")
    services.set_timer(world.teacher_a, board.id, "resume")
    assert services.timer_view(board)["running"] is True
    services.set_timer(world.teacher_a, board.id, "stop")
    assert services.timer_view(board) | {"server_now": None} == {
        "running": False,
        "ends_at": None,
        "remaining": None,
        "duration": None,
        "server_now": None,
    }


@pytest.mark.parametrize("seconds", [None, 5, 3601])
def test_timer_lengths_outside_the_range_are_refused(world, board, seconds):
    with pytest.raises(Invalid, match="seconds"):
        services.set_timer(world.teacher_a, board.id, "start", seconds)
    assert db.session.get(Enquiry, board.id).timer_seconds is None


def test_pupils_cannot_touch_the_timer(world, board):
    with pytest.raises(Forbidden):
        services.set_timer(world.pupil_a, board.id, "start", 60)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "text", "text": "Is it fair that the tallest get the apples?"},
        {"kind": "story", "title": "The Lion's Share", "text": "Once upon a time..."},
        {"kind": "video", "title": "The Present", "url": "https://example.org/v/present"},
    ],
)
def test_stimulus_kinds_are_shared_with_every_screen(world, board, fields):
    step(world, board)
    services.set_stimulus(world.teacher_b, board.id, theme="Who are we?", **fields)
    shared = board_events(board, "stimulus_shared")[-1].payload["stimulus"]
    assert shared["kind"] == fields["kind"] and shared["theme"] == "Who are we?"
    assert services.board_snapshot(world.pupil_a, board.id)["stimulus"] == shared


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "text", "text": "  "}, "write the text"),
        ({"kind": "story", "text": "No title"}, "title"),
        ({"kind": "video", "title": "V", "url": "javascript:alert(1)"}, "https://"),
        ({"kind": "video", "title": "", "url": "https://example.org/v"}, "title"),
        ({"kind": "picture", "alt": "A lion"}, "picture"),
        ({"kind": "post"}, "choose a post"),
        ({"kind": "poem", "text": "x"}, "Choose"),
        ({"kind": "text", "text": "x", "theme": "Who is Batman?"}, "four questions"),
        ({"kind": "text", "text": "x" * 5001}, "5000"),
        ({"kind": "question", "text": "Why?"}, "parked question"),
    ],
)
def test_bad_stimulus_is_refused_and_changes_nothing(world, board, fields, message):
    step(world, board)
    with pytest.raises((Invalid, Conflict), match=message):
        services.set_stimulus(world.teacher_a, board.id, **fields)
    assert db.session.get(Enquiry, board.id).stimulus_kind is None


def test_stimulus_only_during_the_stimulus_step(world, board):
    with pytest.raises(Conflict, match="only during “Stimulus”"):
        services.set_stimulus(world.teacher_a, board.id, kind="text", text="Too early")


def test_an_approved_post_from_the_space_can_be_the_stimulus(world, board):
    from exchange.moderation import services as rule
    from exchange.moderation.models import ItemKind

    class PostChannel:
        kind = ItemKind.POST

        def public_view(self, item):
            return {"title": "Our street", "text": "Photos of our street"}

        review_view = public_view

        def streams(self, item):
            return [realtime.link_stream(item.link_id)]

        def has_images(self, item):
            return False

    previous = rule._CHANNELS.get(ItemKind.POST)
    rule.register_channel(PostChannel())
    try:
        post = rule.submit(
            world.pupil_b,
            rule.Submission(kind=ItemKind.POST, classroom_id=world.class_b.id, link=world.link),
            attach=lambda item: None,
        )
        db.session.commit()
        step(world, board)
        with pytest.raises(NotFound):  # still pending: teacher A cannot see it
            services.set_stimulus(world.teacher_a, board.id, kind="post", post_item_id=post.id)
        rule.approve(world.teacher_b, post.id)
        services.set_stimulus(world.teacher_a, board.id, kind="post", post_item_id=post.id)
        view = services.stimulus_view(board)
        assert view["post"] == {
            "item_id": post.id,
            "removed": False,
            "title": "Our street",
            "text": "Photos of our street",
        }
        rule.hide_and_report(world.teacher_a, post.id, "Shows a house number")
        assert services.stimulus_view(board)["post"] == {"item_id": post.id, "removed": True}
    finally:
        if previous is not None:
            rule.register_channel(previous)
        else:
            rule._CHANNELS.pop(ItemKind.POST, None)


def test_closing_keeps_the_enquiry_readable_and_refuses_changes(world, board):
    made = walk_to(world, board, Step.REFLECTION)
    services.close_enquiry(world.teacher_b, board.id)
    assert board.state == EnquiryState.CLOSED and board.closed_at is not None
    with pytest.raises(Conflict, match="has closed"):
        services.submit_reflection(world.pupil_a, board.id, "We thought well.")
    with pytest.raises(Conflict, match="has closed"):
        step(world, board, "back")
    snapshot = services.board_snapshot(world.pupil_b, board.id)
    assert snapshot["enquiry"]["state"] == "closed"
    assert [q["question_id"] for q in snapshot["questions"]] == [made["q_a"].id, made["q_b"].id]
