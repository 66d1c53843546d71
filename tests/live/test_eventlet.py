"""The live room on a real server in the optional eventlet mode (the default gevent mode is
exercised by the crash and multi-process tests)."""

from __future__ import annotations

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from tests.live.client import LiveClient, wait_until
from tests.live.conftest import make_session
from tests.servers import ServerProcess, session_cookie


@pytest.mark.server
def test_chat_presence_and_approval_on_an_eventlet_server(app, world, database_url, tmp_path):
    pytest.importorskip("eventlet")
    session = make_session(world)
    live = f"live:{session.id}"
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    with ExitStack() as stack:
        # One page request at a time (exchange/slots.py): its places must wait cooperatively
        # under eventlet too, or the pages asked at once below would never be answered.
        server = ServerProcess(
            database_url,
            async_mode="eventlet",
            log_path=tmp_path / "s.log",
            env={"REQUESTS_AT_ONCE": "1"},
        )
        stack.callback(server.stop)
        server.start(timeout=90)

        def screen(actor, streams, name):
            cookie = f"{cookie_name}={session_cookie(app, actor)}"
            client = LiveClient(server.url, cookie, session.id, streams, name)
            stack.callback(client.close)
            return client.connect()

        teacher = screen(world.teacher_a, [live, f"queue:{world.class_a.id}"], "teacher_a")
        partner = screen(world.pupil_b, [live], "pupil_b")
        pupil = screen(world.pupil_a, [live], "pupil_a")
        sent = pupil.command("live_send_message", {"text": "Hello!", "client_id": "evt-00001"})
        assert sent["ok"] and wait_until(lambda: teacher.queue() == {sent["item_id"]})
        assert teacher.command("live_approve", {"item_id": sent["item_id"]})["ok"]
        assert wait_until(lambda: partner.chat() == [sent["item_id"]])
        assert wait_until(
            lambda: any(
                s["kind"] == "presence_changed" and sum(c["pupils"] for c in s["classes"]) == 2
                for s in partner.signals
            )
        )

        def page(_n: int) -> int:
            with urllib.request.urlopen(server.url + "/sign-in", timeout=30) as answer:  # noqa: S310
                answer.read()
                return answer.status

        # Waiting for a place must yield: a blocking wait would stall the whole process for up
        # to a second (PLACE_WAIT_SECONDS) per waiting request, a dozen seconds in all.
        started = time.monotonic()
        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(page, range(12))) == [200] * 12
        assert time.monotonic() - started < 5
