"""The live stage at the service level: who may act, what each action does, the snapshot,
the backchannel and the souvenir."""

from __future__ import annotations

import pytest

from exchange import realtime
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.rooms.events import live, showcase, stage
from exchange.rooms.events.models import EventState
from tests.events.conftest import ready_showcase

NOT_HOST = [
    "admin",
    "other_facilitator",
    "teacher_a",
    "teacher_b",
    "teacher_c",
    "pupil_a",
    "pupil_c",
]


@pytest.mark.parametrize("role", NOT_HOST)
def test_stage_actions_by_anyone_but_the_host_are_refused(world, live_event, role):
    before = live_event.stage_version
    error = NotFound if role in ("other_facilitator", "teacher_c", "pupil_c") else Forbidden
    with pytest.raises(error):
        stage.act(world.actor(role), live_event.id, "next")
    db.session.refresh(live_event)
    assert live_event.stage_version == before and live_event.segment_position == 1


def test_starting_publishes_the_stage_and_moves_through_segments(world, event):
    stage.act(world.facilitator, event.id, "start")
    assert event.state == EventState.LIVE and event.segment_position == 1
    stage.act(world.facilitator, event.id, "next")
    facts = realtime.events_after(realtime.event_stream(event.id), 0)
    changes = [f for f in facts if f.kind == "stage_changed"]
    assert [c.payload["stage"]["segment"]["position"] for c in changes] == [1, 2]
    assert changes[-1].payload["stage"]["version"] == 2
    stage.act(world.facilitator, event.id, "goto", position=4)
    with pytest.raises(Conflict, match="last segment"):
        stage.act(world.facilitator, event.id, "next")
    with pytest.raises(Invalid, match="no such segment"):
        stage.act(world.facilitator, event.id, "goto", position=9)


def test_only_ready_items_go_on_stage(world, live_event):
    waiting = showcase.add_new_showcase(world.pupil_a, live_event.id, title="x", text="y")
    with pytest.raises(Conflict, match="not been approved"):
        stage.act(world.facilitator, live_event.id, "show", showcase_id=waiting.id)
    ready = ready_showcase(world, live_event)
    stage.act(world.facilitator, live_event.id, "show", showcase_id=ready.id)
    view = stage.stage_view(live_event)
    assert (
        view["item"]["title"] == "Our poem" and view["item"]["class_label"] == world.class_a.label
    )
    with pytest.raises(Conflict, match="on the stage"):
        showcase.withdraw_showcase(world.teacher_a, live_event.id, ready.id)
    stage.act(world.facilitator, live_event.id, "clear")
    assert stage.stage_view(live_event)["item"] is None


def test_spotlight_only_invited_classes(world, live_event):
    stage.act(world.facilitator, live_event.id, "spotlight", classroom_id=world.class_b.id)
    assert stage.stage_view(live_event)["spotlight"]["label"] == world.class_b.label
    with pytest.raises(Invalid, match="not invited"):
        stage.act(world.facilitator, live_event.id, "spotlight", classroom_id=world.class_c.id)


def test_state_rules(world, event):
    with pytest.raises(Conflict, match="Start the event first"):
        stage.act(world.facilitator, event.id, "next")
    stage.act(world.facilitator, event.id, "start")
    with pytest.raises(Conflict, match="already started"):
        stage.act(world.facilitator, event.id, "start")
    with pytest.raises(Conflict, match="not paused"):
        stage.act(world.facilitator, event.id, "resume")
    stage.act(world.facilitator, event.id, "pause")
    with pytest.raises(Conflict, match="Resume"):
        stage.act(world.facilitator, event.id, "applause_open")
    stage.act(world.facilitator, event.id, "resume")
    stage.act(world.facilitator, event.id, "end")
    with pytest.raises(Conflict, match="over"):
        stage.act(world.facilitator, event.id, "next")


def test_applause_window_counts_and_is_kept_for_the_souvenir(world, live_event):
    hub = live.hub()
    sid = "sid-a"
    hub.add_screen(sid, live_event.id, world.class_a.id)
    refused = hub.react(sid, {"kind": "applause"})
    assert refused == {"ok": False, "error": "conflict", "message": "Applause is closed right now."}
    stage.act(world.facilitator, live_event.id, "applause_open")
    assert hub.react(sid, {"kind": "applause", "count": 3}) == {"ok": True}
    stage.act(world.facilitator, live_event.id, "applause_close")
    assert hub.react(sid, {"kind": "applause"})["error"] == "conflict"
    stage.act(world.facilitator, live_event.id, "end")
    souvenir = stage.souvenir_for(world.pupil_b, live_event.id)
    assert souvenir["applause_total"] == 3


def test_snapshot_is_cached_until_the_stream_moves(world, live_event):
    first = stage.snapshot(live_event.id)
    assert stage.snapshot(live_event.id) is first
    stage.act(world.facilitator, live_event.id, "next")
    second = stage.snapshot(live_event.id)
    assert second["seq"] > first["seq"] and second["stage"]["segment"]["position"] == 2


def test_join_screen_checks_the_class(world, live_event):
    joined = stage.join_screen(world.pupil_a, live_event.id, "s1")
    assert joined["class_id"] == world.class_a.id and joined["stage"]["state"] == "live"
    with pytest.raises(NotFound):
        stage.join_screen(world.pupil_c, live_event.id, "s2")
    with pytest.raises(Forbidden):
        stage.join_screen(world.teacher_a, live_event.id, "s3", classroom_id=world.class_b.id)
    host = stage.join_screen(world.facilitator, live_event.id, "s4")
    assert host["class_id"] is None and host["can_run_stage"] is True


@pytest.mark.parametrize("role", ["teacher_a", "teacher_b", "facilitator"])
def test_backchannel_is_for_teachers_and_the_facilitator(world, live_event, role):
    message = stage.send_staff_message(world.actor(role), live_event.id, "Ready when you are")
    assert message["text"] == "Ready when you are"
    _, messages = stage.staff_messages(live_event)
    assert [m["text"] for m in messages] == ["Ready when you are"]


@pytest.mark.parametrize("role, error", [("pupil_a", Forbidden), ("teacher_c", NotFound)])
def test_backchannel_refuses_pupils_and_uninvited_teachers(world, live_event, role, error):
    with pytest.raises(error):
        stage.send_staff_message(world.actor(role), live_event.id, "hello")


def test_souvenir_only_after_the_event_and_remembers_the_stage(world, live_event):
    ready = ready_showcase(world, live_event)
    stage.act(world.facilitator, live_event.id, "show", showcase_id=ready.id)
    with pytest.raises(Conflict, match="ended"):
        stage.souvenir_for(world.teacher_a, live_event.id)
    stage.act(world.facilitator, live_event.id, "end")
    souvenir = stage.souvenir_for(world.teacher_a, live_event.id)
    assert [s["title"] for s in souvenir["shown"]] == ["Our poem"]
    assert any(t["item"] == "Our poem" for t in souvenir["timeline"])
    with pytest.raises(NotFound):
        stage.souvenir_for(world.pupil_c, live_event.id)
