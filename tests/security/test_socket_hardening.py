"""Socket.IO against a real server process (the test client skips the handshake)."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from exchange.extensions import socketio as app_socketio
from tests.servers import running_server, session_cookie, socketio_client

pytestmark = pytest.mark.server

MALFORMED = [None, "text", 42, [], {"unexpected": "x" * 10}, {"stream": {"nested": True}}]


@pytest.fixture(scope="module")
def server(database_url):
    """One server for the module; each test makes its own accounts in the shared database."""
    with running_server(database_url) as running:
        yield running


def _raw_client(server, headers=None):
    client = socketio.Client(reconnection=False)
    client.connect(server.url, headers=headers or {}, transports=["websocket"], wait_timeout=5)
    return client


def test_a_socket_without_a_session_is_refused(server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        _raw_client(server)


def test_a_forged_session_cookie_is_refused(server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        _raw_client(server, {"Cookie": "session=eyJfdXNlcl9pZCI6InN0YWZmOjE6MSJ9.forged.sig"})


def test_another_origin_is_refused(app, world, server):
    cookie = f"session={session_cookie(app, world.teacher_a)}"
    polling = requests.get(
        server.url + "/socket.io/?EIO=4&transport=polling",
        headers={"Origin": "https://evil.example", "Cookie": cookie},
        timeout=5,
    )
    assert polling.status_code == 400
    assert "access-control-allow-origin" not in {k.lower() for k in polling.headers}
    same = requests.get(
        server.url + "/socket.io/?EIO=4&transport=polling",
        headers={"Origin": server.url, "Cookie": cookie},
        timeout=5,
    )
    assert same.status_code == 200


def test_an_event_over_64_kb_is_refused_and_others_carry_on(app, world, server):
    big = socketio_client(server, app, world.pupil_a)
    other = socketio_client(server, app, world.pupil_b)
    try:
        big.emit("subscribe", {"stream": "link:1", "padding": "x" * 70_000})
        deadline = time.monotonic() + 5
        while big.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not big.connected, "the oversized message closes that connection"
        assert other.call("subscribe", {"stream": f"link:{world.link.id}"}, timeout=5)["ok"]
    finally:
        for client in (big, other):
            if client.connected:
                client.disconnect()


def test_every_socket_command_answers_malformed_payloads_with_an_error(app, world, server):
    events = sorted(
        name for name in app_socketio.server.handlers["/"] if name not in {"connect", "disconnect"}
    )
    assert len(events) > 20
    client = socketio_client(server, app, world.pupil_a)
    problems = []
    try:
        for event in events:
            for payload in MALFORMED:
                ack = client.call(event, payload, timeout=5)
                if (
                    not isinstance(ack, dict)
                    or ack.get("ok") is not False
                    or not ack.get("message")
                ):
                    problems.append((event, repr(payload)[:30], ack))
        assert client.call("subscribe", {"stream": f"link:{world.link.id}"}, timeout=5)["ok"]
    finally:
        client.disconnect()
    assert problems == []
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
