"""A real server process (gevent) with real Socket.IO clients: screens follow the stage within
a fraction of a second, a late joiner sees the current stage, counters arrive aggregated."""

from __future__ import annotations

import threading
import time

import pytest

from exchange.rooms.events import stage
from tests.events.conftest import plan_event
from tests.servers import running_server, socketio_client


class Screen:
    """A real Socket.IO client showing an event, recording what it receives."""

    def __init__(self, server, app, actor):
        self.client = socketio_client(server, app, actor)
        self.changes: list[dict] = []
        self.counters: list[dict] = []
        self.changed = threading.Event()
        self.client.on("stage_changed", self._on_change)
        self.client.on("counters", self.counters.append)

    def _on_change(self, message):
        self.changes.append(message)
        self.changed.set()

    def join(self, event_id):
        return self.client.call("join_event", {"event_id": event_id}, timeout=10)

    def close(self):
        self.client.disconnect()


@pytest.mark.server
def test_screens_follow_the_stage_and_late_joiners_catch_up(app, world, database_url):
    event = plan_event(world)
    stage.act(world.facilitator, event.id, "start")
    with running_server(database_url, async_mode="gevent") as server:
        screens = [Screen(server, app, a) for a in (world.pupil_a, world.pupil_b, world.teacher_b)]
        host = Screen(server, app, world.facilitator)
        try:
            for screen in screens:
                assert screen.join(event.id)["ok"] is True
            assert host.join(event.id)["snapshot"]["can_run_stage"] is True
            sent = time.monotonic()
            ack = host.client.call(
                "stage_action", {"event_id": event.id, "action": "next"}, timeout=10
            )
            assert ack["ok"] is True
            for screen in screens:
                assert screen.changed.wait(2), "a screen did not follow the stage"
                assert screen.changes[-1]["stage"]["segment"]["position"] == 2
            assert time.monotonic() - sent < 1.0  # every screen followed within a second

            refused = screens[0].client.call(
                "stage_action", {"event_id": event.id, "action": "end"}, timeout=10
            )
            assert refused["error"] == "forbidden"

            host.client.call(
                "stage_action",
                {"event_id": event.id, "action": "spotlight", "classroom_id": world.class_b.id},
                timeout=10,
            )
            late = Screen(server, app, world.pupil_a2)
            snapshot = late.join(event.id)["snapshot"]
            assert snapshot["stage"]["segment"]["position"] == 2
            assert snapshot["stage"]["spotlight"]["class_id"] == world.class_b.id
            late.close()

            host.client.call(
                "stage_action", {"event_id": event.id, "action": "applause_open"}, timeout=10
            )
            for screen in screens:
                assert screen.client.call("react", {"kind": "applause", "count": 2}, timeout=5)[
                    "ok"
                ]
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                if host.counters and host.counters[-1]["applause"] == 6:
                    break
                time.sleep(0.05)
            assert host.counters[-1]["applause"] == 6 and host.counters[-1]["applause_open"]
        finally:
            for screen in [*screens, host]:
                screen.close()
