"""The app under a real server process, in each supported async mode."""

from __future__ import annotations

import time

import pytest
import requests

from tests.servers import running_server, socketio_client


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_real_server_serves_health_and_sockets(app, world, database_url, mode):
    with running_server(database_url, async_mode=mode) as server:
        assert requests.get(server.url + "/healthz", timeout=5).json()["database"]["status"] == "ok"
        client = socketio_client(server, app, world.pupil_a)
        try:
            ack = client.call("subscribe", {"stream": f"link:{world.link.id}"}, timeout=5)
            assert ack["ok"] is True
            refused = client.call("subscribe", {"stream": f"link:{world.link.id + 99}"}, timeout=5)
            assert refused["ok"] is False
        finally:
            client.disconnect()


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_a_closed_websocket_ends_its_connection_at_once(app, world, database_url, mode):
    # The server closes the TCP connection after the WebSocket's closing handshake; under
    # gevent it used to keep it open, and every client that closed waited its whole close
    # timeout (websocket-client: 3 s) before it could go on.
    with running_server(database_url, async_mode=mode) as server:
        for _ in range(2):  # and the server goes on taking new sockets
            client = socketio_client(server, app, world.pupil_a)
            assert client.call("subscribe", {"stream": f"link:{world.link.id}"}, timeout=5)["ok"]
            started = time.monotonic()
            client.disconnect()
            assert time.monotonic() - started < 2.0, "the client waited for the server to close"


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_websockets_are_not_compressed_even_when_a_browser_asks(app, world, database_url, mode):
    # Chromium offers permessage-deflate on every WebSocket. Agreeing meant compressing each
    # message again for every screen and a zlib state per socket (docs/performance.md, events):
    # the handshake agrees to no extension, and the socket works as before.
    import websocket

    with running_server(database_url, async_mode=mode) as server:
        ws = websocket.create_connection(
            server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
            header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"],
            timeout=10,
        )
        try:
            headers = {k.lower(): v for k, v in (ws.getheaders() or {}).items()}
            assert ws.getstatus() == 101
            assert "sec-websocket-extensions" not in headers, headers
            assert ws.recv().startswith("0{")  # the engine.io handshake, uncompressed
        finally:
            ws.close(timeout=1)
