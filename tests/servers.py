"""Real server processes for end-to-end tests: start on a free loopback port, always stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody is listening on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m exchange.serve` in its own process group, sharing the test's database."""

    def __init__(
        self,
        database_url: str,
        *,
        async_mode: str = "gevent",
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.async_mode = async_mode
        self.extra_env = env or {}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def environment(self) -> dict[str, str]:
        """The server's environment: the test's database and secret, no Redis unless asked."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "SOCKETIO"))}
        env.update(
            EXCHANGE_ENV="testing",
            SECRET_KEY="test-secret",
            DATABASE_URL=self.database_url,
            ASYNC_MODE=self.async_mode,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start the process and wait until /healthz answers."""
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._log = out if self.log_path else None
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "exchange.serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become healthy in time")

    def kill(self) -> None:
        """Crash the server: SIGKILL, no clean-up."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server (TERM, then KILL) and close its log."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None


@contextmanager
def running_server(database_url: str, **kwargs: Any) -> Iterator[ServerProcess]:
    """A started server that is stopped however the test ends."""
    server = ServerProcess(database_url, **kwargs)
    try:
        yield server.start()
    finally:
        server.stop()


def session_cookie(app: Flask, actor: Any) -> str:
    """A signed session cookie value for `actor`, as the server (same SECRET_KEY) would set it."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.dumps({"_user_id": actor.get_id(), "_fresh": True})


def socketio_client(
    server: ServerProcess, app: Flask, actor: Any, transports: list[str] | None = None
) -> Any:
    """A real python-socketio client connected to `server` as `actor`."""
    import socketio

    client = socketio.Client(reconnection=False)
    cookie = app.config.get("SESSION_COOKIE_NAME", "session")
    client.connect(
        server.url,
        headers={"Cookie": f"{cookie}={session_cookie(app, actor)}"},
        transports=transports or ["websocket"],
        wait_timeout=10,
    )
    return client
