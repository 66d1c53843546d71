"""The deployment pieces themselves: deploy/start.sh and a single `exchange.serve` being stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bench import common
from exchange import realtime

pytestmark = [pytest.mark.server]
ROOT = Path(__file__).resolve().parents[2]


def consecutive_ports(count: int) -> int:
    """A first port such that it and the next `count - 1` are free."""
    for _ in range(50):
        first = common.free_port()
        if all(_free(first + n) for n in range(1, count)):
            return first
    raise RuntimeError("no run of free ports")


def _free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_script(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run deploy/start.sh with the test's environment."""
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / "start.sh"), command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_start_script_migrates_starts_restarts_one_by_one_and_stops(tmp_path):
    first = consecutive_ports(2)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "SOCKETIO"))},
        "EXCHANGE_ENV": "production",
        "SECRET_KEY": "start-script-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "PROCESSES": "2",
        "BASE_PORT": str(first),
        "RUN_DIR": str(tmp_path / "run"),
        "LOG_DIR": str(tmp_path / "log"),
        "VENV": str(Path(sys.executable).parent.parent),
    }
    urls = [f"http://127.0.0.1:{first + n}/readyz" for n in range(2)]
    try:
        started = start_script("start", env)
        assert started.returncode == 0, started.stdout + started.stderr
        assert "web-1 ready" in started.stdout and "web-2 ready" in started.stdout
        pids = [(tmp_path / "run" / f"web-{n}.pid").read_text().strip() for n in (1, 2)]
        assert all(requests.get(u, timeout=5).status_code == 200 for u in urls)
        status = start_script("status", env)
        assert status.stdout.count("readyz 200") == 2

        restarted = start_script("restart", env)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        # One at a time: web-1 is back before web-2 is stopped.
        out = restarted.stdout
        assert out.index("web-1 ready") < out.index("web-2 stopped")
        new = [(tmp_path / "run" / f"web-{n}.pid").read_text().strip() for n in (1, 2)]
        assert set(new).isdisjoint(pids)
        assert all(requests.get(u, timeout=5).status_code == 200 for u in urls)
    finally:
        stopped = start_script("stop", env)
    assert stopped.returncode == 0 and stopped.stdout.count("stopped") == 2
    for url in urls:
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)
    logs = (tmp_path / "log" / "web-1.log").read_text()
    assert '"event": "request"' in logs  # JSON lines, one per request


def test_a_stopped_single_server_tells_its_sockets_and_exits_cleanly(
    app, world, database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("runs on the suite's SQLite file")
    stream = realtime.link_stream(world.link.id)
    server = common.AppServer(
        database_url,
        kind="serve",
        env={"SECRET_KEY": app.config["SECRET_KEY"]},
        log_path=tmp_path / "serve.log",
    )
    server.start()
    try:
        notices: list[dict] = []
        client = common.connect_client(server.url, common.cookie_header(app, world.pupil_a))
        client.on("server_restart", notices.append)
        assert client.call("subscribe", {"stream": stream}, timeout=10)["ok"] is True
        os.kill(server.pid, signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0
        deadline = time.monotonic() + 5
        while not notices and time.monotonic() < deadline:
            time.sleep(0.05)
        assert notices and notices[0]["reconnect"] is True
        client.disconnect()
    finally:
        server.stop()
    log = (tmp_path / "serve.log").read_text()
    assert '"sockets_moved": 1' in log
