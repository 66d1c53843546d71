"""Socket commands with Flask-SocketIO's test client: joining, following the stage, reactions
with flood limits and the applause window, the backchannel."""

from __future__ import annotations

from flask import g

from exchange.rooms.events import live, stage


def send(sock, event, data):
    """Emit a command and return its ack.

    The test app's context is shared by every test client, and Flask-Login caches the user
    in `g`: forget it so each client's command runs as that client's user (as on a server).
    """
    g.pop("_login_user", None)
    return sock.emit(event, data, callback=True)


def received(sock, name):
    """The payloads of every `name` event this socket got since the last call."""
    return [m["args"][0] for m in sock.get_received() if m["name"] == name]


def join(sock, event, **kw):
    return send(sock, "join_event", {"event_id": event.id, **kw})


def test_class_screen_joins_with_a_snapshot(world, live_event, socket_for):
    sock = socket_for(world.pupil_a)
    ack = join(sock, live_event)
    assert ack["ok"] is True
    snap = ack["snapshot"]
    assert snap["class_id"] == world.class_a.id
    assert snap["stage"]["segment"]["title"] == "Welcome"
    assert [s["title"] for s in snap["segments"]][0] == "Welcome"
    assert set(snap["roll_call"]) == {"event_id", "classes_in", "screens"}


def test_uninvited_and_unknown_events_are_refused(world, live_event, socket_for):
    assert join(socket_for(world.pupil_c), live_event)["error"] == "not_found"
    assert (
        join(socket_for(world.teacher_a), live_event, classroom_id=world.class_b.id)["error"]
        == "forbidden"
    )
    bad = send(socket_for(world.pupil_a), "join_event", {"event_id": "x"})
    assert bad["error"] == "invalid"


def test_screens_follow_the_facilitator(world, live_event, socket_for):
    screen = socket_for(world.pupil_b)
    join(screen, live_event)
    screen.get_received()
    console = socket_for(world.facilitator)
    ack = send(
        console,
        "stage_action",
        {"event_id": live_event.id, "action": "spotlight", "classroom_id": world.class_b.id},
    )
    assert ack["ok"] is True
    changes = received(screen, "stage_changed")
    assert changes[-1]["stage"]["spotlight"]["label"] == world.class_b.label
    assert changes[-1]["seq"] > 0 and changes[-1]["stream"] == f"event:{live_event.id}"


def test_stage_actions_by_others_are_refused_and_nothing_moves(world, live_event, socket_for):
    screen = socket_for(world.pupil_b)
    join(screen, live_event)
    screen.get_received()
    for role in ("teacher_a", "pupil_a", "admin"):
        ack = send(
            socket_for(world.actor(role)),
            "stage_action",
            {"event_id": live_event.id, "action": "next"},
        )
        assert ack == {
            "ok": False,
            "error": "forbidden",
            "message": "Only the event's facilitator can run the stage.",
        }
    assert received(screen, "stage_changed") == []


def test_late_joiner_sees_the_current_stage_at_once(world, live_event, socket_for):
    stage.act(world.facilitator, live_event.id, "next")
    stage.act(world.facilitator, live_event.id, "spotlight", classroom_id=world.class_a.id)
    late = socket_for(world.teacher_b)
    snap = join(late, live_event)["snapshot"]
    assert snap["stage"]["segment"]["position"] == 2
    assert snap["stage"]["spotlight"]["class_id"] == world.class_a.id


def test_reactions_need_a_joined_screen_and_a_live_event(world, event, socket_for):
    sock = socket_for(world.pupil_a)
    assert send(sock, "react", {"kind": "clap"})["error"] == "forbidden"
    join(sock, event)
    refused = send(sock, "react", {"kind": "clap"})
    assert refused == {"ok": False, "error": "conflict", "message": "The event is not live."}
    assert send(sock, "react", {"kind": "shout"})["error"] == "invalid"
    assert send(sock, "react", "clap")["error"] == "invalid"
    assert send(sock, "react", {"kind": "clap", "count": 99})["error"] == "invalid"


def test_a_flood_of_reactions_from_one_screen_is_dropped(world, live_event, socket_for):
    flooder = socket_for(world.pupil_a)
    calm = socket_for(world.pupil_b)
    join(flooder, live_event)
    join(calm, live_event)
    answers = [send(flooder, "react", {"kind": "heart"}) for _ in range(8)]
    assert [a["ok"] for a in answers[:5]] == [True] * 5
    dropped = [a for a in answers if not a["ok"]]
    assert dropped and dropped[0]["error"] == "rate_limited"
    assert "not counted" in dropped[0]["message"]
    assert send(calm, "react", {"kind": "heart"})["ok"] is True  # others unaffected
    hub = live.hub()
    hub.tick()
    assert hub.totals(live_event.id)["r:heart"] == sum(1 for a in answers if a["ok"]) + 1


def test_counters_are_aggregated_into_one_signal(world, live_event, socket_for):
    a, b = socket_for(world.pupil_a), socket_for(world.pupil_b)
    join(a, live_event)
    join(b, live_event)
    b.get_received()
    for _ in range(3):
        send(a, "react", {"kind": "star", "count": 2})
    live.hub().tick()
    counters = received(b, "counters")
    assert counters and counters[-1]["reactions"]["star"] == 6
    assert len(counters) <= 2  # six clicks, one update (the background ticker may add one)


def test_applause_only_inside_the_open_window(world, live_event, socket_for):
    sock = socket_for(world.pupil_a)
    join(sock, live_event)
    closed = send(sock, "react", {"kind": "applause"})
    assert closed["error"] == "conflict" and "closed" in closed["message"]
    stage.act(world.facilitator, live_event.id, "applause_open")
    assert send(sock, "react", {"kind": "applause", "count": 4})["ok"] is True
    stage.act(world.facilitator, live_event.id, "applause_close")
    assert send(sock, "react", {"kind": "applause"})["error"] == "conflict"
    stage.act(world.facilitator, live_event.id, "pause")
    paused = send(sock, "react", {"kind": "clap"})
    assert paused["message"] == "The event is paused."


def test_roll_call_counts_class_screens(world, live_event, socket_for):
    watcher = socket_for(world.facilitator)
    join(watcher, live_event)
    console = f"event:{live_event.id}:console"
    assert send(watcher, "subscribe", {"stream": console})["ok"] is True
    screen = socket_for(world.pupil_b)
    assert send(screen, "subscribe", {"stream": console})["error"] == "forbidden"
    join(screen, live_event)
    for actor in (world.pupil_a, world.pupil_a2):
        join(socket_for(actor), live_event)
    live.hub().tick(force=True)
    detail = received(watcher, "roll_call_detail")[-1]
    by_class = {c["class_id"]: c["screens"] for c in detail["classes"]}
    assert by_class == {world.class_a.id: 2, world.class_b.id: 1}
    assert detail["classes_in"] == 2 and detail["screens"] == 3
    summary = received(screen, "roll_call")[-1]
    assert summary == {
        "event_id": live_event.id,
        "classes_in": 2,
        "screens": 3,
        "stream": f"event:{live_event.id}",
        "kind": "roll_call",
    }
    assert received(screen, "roll_call_detail") == []  # class screens get the numbers only


def test_backchannel_is_teachers_only(world, live_event, socket_for):
    stream = f"event:{live_event.id}:staff"
    pupil = socket_for(world.pupil_a)
    assert send(pupil, "subscribe", {"stream": stream})["error"] == "forbidden"
    ack = send(pupil, "send_staff_message", {"event_id": live_event.id, "text": "hi"})
    assert ack["error"] == "forbidden"
    teacher = socket_for(world.teacher_b)
    assert send(teacher, "subscribe", {"stream": stream})["ok"] is True
    teacher.get_received()
    host = socket_for(world.facilitator)
    sent = send(host, "send_staff_message", {"event_id": live_event.id, "text": "Class 5A next"})
    assert sent["ok"] is True
    assert received(teacher, "staff_message")[-1]["text"] == "Class 5A next"


def test_shoutout_over_the_socket_waits_for_the_teacher(world, live_event, socket_for):
    sock = socket_for(world.pupil_a)
    ack = send(sock, "send_shoutout", {"event_id": live_event.id, "text": "Go Kestrels!"})
    assert ack["ok"] is True and ack["state"] == "pending"
