"""Comments, replies and reactions under the approval rule, at the service level."""

from __future__ import annotations

import pytest

from exchange import realtime
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemState, Stage
from exchange.space import queries, services
from tests.space.conftest import send_comment, send_post


@pytest.fixture
def shared(world):
    """An approved post from class A."""
    post = send_post(world.pupil_a, world.link, title="Our school garden")
    moderation.approve(world.teacher_a, post.item_id)
    return post


def comments_seen(actor, world, post):
    card = queries.post_view(actor, post.id)
    flat = [(c["text"], [r["text"] for r in c["replies"]]) for c in card["comments"]]
    return card["comment_count"], flat


def test_partner_pupils_comment_waits_for_their_own_teacher(world, shared):
    comment = send_comment(world.pupil_b, shared, "We grow carrots too!")
    assert comment.item.state == ItemState.PENDING
    assert comment.item.stage == Stage.OWN_TEACHER
    assert moderation.queue(world.teacher_b) == [comment.item]
    assert moderation.queue(world.teacher_a) == []
    assert comments_seen(world.pupil_a, world, shared) == (0, [])
    assert comments_seen(world.pupil_b, world, shared) == (1, [("We grow carrots too!", [])])
    moderation.approve(world.teacher_b, comment.item_id)
    assert comments_seen(world.pupil_a, world, shared) == (1, [("We grow carrots too!", [])])


def test_comment_counts_count_only_what_the_viewer_may_see(world, shared):
    approved = send_comment(world.pupil_b, shared, "Lovely")
    moderation.approve(world.teacher_b, approved.item_id)
    send_comment(world.pupil_b, shared, "Still waiting")
    returned = send_comment(world.pupil_a2, shared, "Mine")
    moderation.return_item(world.teacher_a, returned.item_id, "Say a bit more")
    assert comments_seen(world.pupil_a, world, shared)[0] == 1
    assert comments_seen(world.pupil_b, world, shared)[0] == 2
    assert comments_seen(world.pupil_a2, world, shared)[0] == 2
    assert comments_seen(world.teacher_a, world, shared)[0] == 2
    assert comments_seen(world.teacher_b, world, shared)[0] == 2
    assert comments_seen(world.facilitator, world, shared)[0] == 1


def test_returned_comment_carries_feedback_and_can_be_sent_again(world, shared):
    comment = send_comment(world.pupil_b, shared, "my snap is olly_p")
    assert [f["kind"] for f in comment.item.flags] == ["handle"]
    moderation.return_item(world.teacher_b, comment.item_id, "No usernames, please")
    mine = queries.space_view(world.pupil_b, world.link.id)["mine"]
    assert (mine[0]["kind"], mine[0]["feedback"]) == ("comment", "No usernames, please")
    services.edit_comment(world.pupil_b, comment.id, "Your garden looks great")
    assert comment.item.state == ItemState.PENDING and comment.item.version == 2
    assert comment.item.flags == []


def test_editing_an_approved_comment_takes_it_away_until_approved_again(world, shared):
    comment = send_comment(world.pupil_b, shared)
    moderation.approve(world.teacher_b, comment.item_id)
    services.edit_comment(world.pupil_b, comment.id, "I really like your dog!")
    assert comments_seen(world.pupil_a, world, shared)[0] == 0
    moderation.approve(world.teacher_b, comment.item_id)
    assert comments_seen(world.pupil_a, world, shared) == (1, [("I really like your dog!", [])])


def test_teachers_comment_goes_straight_through(world, shared):
    comment = send_comment(world.teacher_b, shared, "Wonderful work, class 5A")
    assert comment.item.state == ItemState.APPROVED
    assert comments_seen(world.pupil_a, world, shared)[0] == 1


def test_replies_thread_one_level_deep(world, shared):
    top = send_comment(world.teacher_b, shared, "What did you plant?")
    reply = send_comment(world.teacher_a, shared, "Beans", parent_id=top.id)
    deeper = send_comment(world.teacher_b, shared, "Runner beans?", parent_id=reply.id)
    assert deeper.parent_id == top.id
    assert comments_seen(world.pupil_b, world, shared) == (
        3,
        [("What did you plant?", ["Beans", "Runner beans?"])],
    )


def test_replies_to_a_hidden_comment_are_hidden_with_it(world, shared):
    top = send_comment(world.teacher_b, shared, "What did you plant?")
    send_comment(world.teacher_a, shared, "Beans", parent_id=top.id)
    services.hide_item(world.teacher_a, top.item_id, "Off topic")
    assert comments_seen(world.pupil_a, world, shared) == (0, [])


def test_comments_need_an_approved_post(world):
    pending = send_post(world.pupil_a, world.link)
    with pytest.raises(NotFound):
        send_comment(world.pupil_b, pending)
    with pytest.raises(Conflict, match="once the post has been approved"):
        send_comment(world.pupil_a, pending)


def test_a_reply_must_answer_a_comment_of_the_same_post(world, shared):
    other = send_post(world.teacher_b, world.link, title="Other")
    elsewhere = send_comment(world.teacher_b, other, "Hi")
    with pytest.raises(Invalid, match="another post"):
        send_comment(world.pupil_a, shared, "Reply", parent_id=elsewhere.id)


@pytest.mark.parametrize(
    ("case", "text", "message"),
    [("empty", "   ", "Please write a comment."), ("too long", "x" * 1001, "at most 1000")],
)
def test_bad_comments_are_refused(world, shared, case, text, message):
    with pytest.raises(Invalid, match=message):
        send_comment(world.pupil_b, shared, text)
    assert queries.post_view(world.pupil_b, shared.id)["comment_count"] == 0


def test_comment_on_a_withdrawn_post_is_never_announced_to_the_link(world, shared):
    comment = send_comment(world.pupil_b, shared, "Nice")
    services.withdraw_item(world.teacher_a, shared.item_id)
    before = realtime.last_seq(realtime.link_stream(world.link.id))
    moderation.approve(world.teacher_b, comment.item_id)
    assert realtime.last_seq(realtime.link_stream(world.link.id)) == before
    with pytest.raises(NotFound):
        services.get_comment(world.pupil_a2, comment.id)


def test_withdrawing_a_comment_removes_it_from_the_partner_class(world, shared):
    comment = send_comment(world.pupil_b, shared, "Nice")
    moderation.approve(world.teacher_b, comment.item_id)
    with pytest.raises(Forbidden):
        services.withdraw_item(world.teacher_a, comment.item_id)
    services.withdraw_item(world.teacher_b, comment.item_id, "Not kind")
    assert comments_seen(world.pupil_a, world, shared)[0] == 0
    events = realtime.events_after(realtime.link_stream(world.link.id), 0)
    assert events[-1].kind == "item_removed" and events[-1].payload["reason"] == "withdrawn"


def test_reactions_count_once_per_person_and_reach_the_link(world, shared):
    result = services.set_reaction(world.pupil_b, shared.item_id, "star", True)
    assert result == {"item_id": shared.item_id, "counts": {"star": 1}, "mine": ["star"]}
    services.set_reaction(world.pupil_b, shared.item_id, "star", True)
    services.set_reaction(world.pupil_a2, shared.item_id, "star", True)
    services.set_reaction(world.teacher_b, shared.item_id, "heart", True)
    counts = services.set_reaction(world.pupil_b, shared.item_id, "clap", True)["counts"]
    assert counts == {"star": 2, "heart": 1, "clap": 1}
    services.set_reaction(world.pupil_b, shared.item_id, "star", False)
    events = [
        e
        for e in realtime.events_after(realtime.link_stream(world.link.id), 0)
        if e.kind == "reaction_changed"
    ]
    assert len(events) == 5  # the repeated star changed nothing and announced nothing
    assert events[-1].payload["counts"] == {"star": 1, "heart": 1, "clap": 1}
    bar = queries.post_view(world.pupil_b, shared.id)["reactions"]
    assert [(r["key"], r["count"], r["mine"]) for r in bar][:3] == [
        ("star", 1, False),
        ("clap", 1, True),
        ("heart", 1, False),
    ]


def test_reactions_only_on_approved_items_from_the_fixed_set(world, shared):
    with pytest.raises(Invalid, match="one of the reactions"):
        services.set_reaction(world.pupil_b, shared.item_id, "thumbs-down", True)
    pending = send_post(world.pupil_a, world.link, title="Pending")
    with pytest.raises(NotFound):
        services.set_reaction(world.pupil_b, pending.item_id, "star", True)
    with pytest.raises(Conflict):
        services.set_reaction(world.pupil_a, pending.item_id, "star", True)
    with pytest.raises(Forbidden):
        services.set_reaction(world.facilitator, shared.item_id, "star", True)
    with pytest.raises(NotFound):
        services.set_reaction(world.pupil_c, shared.item_id, "star", True)
    assert services.reaction_counts([shared.item_id]) == {shared.item_id: {}}
