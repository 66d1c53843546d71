"""Several server processes share rooms through Redis: a message approved by a teacher connected
to process 1 reaches pupils connected to process 2, presence counts everyone, and a pupil's rate
limit holds across processes. Runs against the machine's Redis (database 5, flushed); under
CI=true it must run, not skip."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from exchange.extensions import db
from tests.factories import make_pupil
from tests.live.client import LiveClient, close_all, wait_until
from tests.live.conftest import make_session
from tests.live.redis_helpers import REDIS_URL, redis_client
from tests.servers import ServerProcess, session_cookie


@pytest.mark.server
@pytest.mark.redis
def test_two_processes_joined_by_redis_share_the_live_room(app, world, database_url, tmp_path):
    redis = redis_client()
    maya = make_pupil(world.class_b, "Maya T.")
    db.session.commit()
    session = make_session(world)
    live = f"live:{session.id}"
    env = {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "REDIS_URL": REDIS_URL}
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")

    with ExitStack() as stack:
        servers = []
        for n in (1, 2):
            server = ServerProcess(database_url, env=env, log_path=tmp_path / f"server{n}.log")
            stack.callback(server.stop)
            servers.append(server)
        with ThreadPoolExecutor(2) as starting:  # side by side: each start is mostly imports
            one, two = [s.result() for s in [starting.submit(x.start, 90) for x in servers]]

        clients: list[LiveClient] = []
        stack.callback(close_all, clients)  # before the servers stop

        def screen(server, actor, streams, name):
            cookie = f"{cookie_name}={session_cookie(app, actor)}"
            client = LiveClient(server.url, cookie, session.id, streams, name)
            clients.append(client)
            return client.connect()

        queue = f"queue:{world.class_a.id}"
        teacher = screen(one, world.teacher_a, [live, f"{live}:teachers", queue], "teacher_a@1")
        pupil = screen(two, world.pupil_a, [live, f"pupil:{world.pupil_a.id}"], "pupil_a@2")
        partner = screen(two, world.pupil_b, [live], "pupil_b@2")
        partner_2 = screen(two, maya, [live], "maya@2")
        partner_teacher = screen(two, world.teacher_b, [live, f"{live}:teachers"], "teacher_b@2")

        # Presence is counted across processes: the teacher on 1 sees the pupils on 2 by name.
        def people_seen_by_teacher():
            shown = [
                s for s in teacher.signals if s["kind"] == "presence_changed" and "people" in s
            ]
            return {p["name"] for p in shown[-1]["people"]} if shown else set()

        everyone = {"Ms Amina Khan", "Aisha K.", "Oliver P.", "Maya T.", "Mr Ben Wood"}
        assert wait_until(lambda: people_seen_by_teacher() == everyone), people_seen_by_teacher()
        counts = {c["class_id"]: c["pupils"] for c in partner.joins[-1]["presence"]["classes"]}
        assert counts[world.class_b.id] >= 1

        # A pupil on process 2 writes; their teacher on process 1 gets it in the live queue.
        sent = pupil.command(
            "live_send_message", {"text": "Hello from process two", "client_id": "scale-m1"}
        )
        assert sent["ok"] and sent["state"] == "pending"
        assert wait_until(lambda: teacher.queue() == {sent["item_id"]})
        assert partner.chat() == []

        # Approved on process 1: it reaches the pupils connected to process 2, live.
        assert teacher.command("live_approve", {"item_id": sent["item_id"]})["ok"]
        screens = [teacher, pupil, partner, partner_2, partner_teacher]
        assert wait_until(lambda: all(s.chat() == [sent["item_id"]] for s in screens))
        for s in (partner, partner_2, partner_teacher):
            assert s.delivered_live(sent["item_id"]).caught_up is False, s.name

        # The stage and the teachers' private channel cross processes too.
        assert teacher.command("live_goto_segment", {"position": 1})["ok"]
        assert wait_until(lambda: any(x.kind == "segment_changed" for x in partner.applied))
        note = teacher.command("live_send_teacher_message", {"text": "All good your side?"})
        assert note["ok"]
        assert wait_until(lambda: any(x.kind == "teacher_message" for x in partner_teacher.applied))
        assert not any(x.kind == "teacher_message" for x in partner.applied)

        # A pupil's rate limit is one bucket, wherever their sockets are connected.
        on_one = screen(one, world.pupil_a2, [live], "pupil_a2@1")
        on_two = screen(two, world.pupil_a2, [live], "pupil_a2@2")
        acks = []
        for n in range(6):
            sock = on_one if n % 2 == 0 else on_two
            acks.append(sock.command("live_send_message", {"text": f"Quick {n}"}))
        assert [a["ok"] for a in acks] == [True] * 5 + [False]
        assert acks[-1]["error"] == "rate_limited"

        # Leaving on process 2 is seen on process 1.
        partner_2.close()
        assert wait_until(lambda: "Maya T." not in people_seen_by_teacher())
    redis.flushdb()
    redis.close()
