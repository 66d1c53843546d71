"""The benchmark harness: servers, nginx, client swarms, latency statistics, resources, reports.

Every bench/bench_*.py module builds on this file (see bench/README.md). Nothing here imports
tests/: benchmarks must run from a clean clone with only the app and its dev dependencies.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import json
import os
import platform
import re
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPORT = ROOT / "docs" / "performance.md"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET_KEY = "bench-secret-not-for-production"  # noqa: S105 - loopback benchmark servers only
STAMP_RE = re.compile(r"\[t:(\d{6,})\]")


# --------------------------------------------------------------------------- clocks and stamps


def now_ns() -> int:
    """A timestamp every process on this machine agrees on (CLOCK_MONOTONIC is system-wide)."""
    return time.monotonic_ns()


def stamp(text: str = "", at_ns: int | None = None) -> str:
    """Embed a send time in free text, so a receiver can measure latency from the payload."""
    return f"{text} [t:{at_ns if at_ns is not None else now_ns()}]".strip()


def find_stamp(obj: Any) -> int | None:
    """The send time carried by a payload: a `sent_ns` field or a stamp() in any string."""
    if isinstance(obj, dict):
        if isinstance(obj.get("sent_ns"), int):
            return obj["sent_ns"]
        values: Iterable[Any] = obj.values()
    elif isinstance(obj, list | tuple):
        values = obj
    elif isinstance(obj, str):
        match = STAMP_RE.search(obj)
        return int(match.group(1)) if match else None
    else:
        return None
    for value in values:
        found = find_stamp(value)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def summarize(values: Sequence[float]) -> dict[str, float]:
    """count, p50, p90, p99, max and mean of a list of samples (milliseconds by convention)."""
    if not values:
        return {
            "count": 0,
            "p50": float("nan"),
            "p90": float("nan"),
            "p99": float("nan"),
            "max": float("nan"),
            "mean": float("nan"),
        }
    return {
        "count": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": float(max(values)),
        "mean": float(statistics.fmean(values)),
    }


def median_of(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The median of each numeric key across several runs' summaries (other keys from run 1)."""
    if not runs:
        return {}
    merged: dict[str, Any] = dict(runs[0])
    for key, first in runs[0].items():
        if isinstance(first, bool) or not isinstance(first, int | float):
            continue
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        values = [v for v in values if v == v]  # drop nan
        merged[key] = statistics.median(values) if values else float("nan")
    merged["runs"] = len(runs)
    return merged


def repeat(runs: int, measure: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """Call `measure(run_index)` `runs` times and return the medians of its summaries."""
    return median_of([measure(i) for i in range(runs)])


def fmt_ms(value: float | None) -> str:
    """A latency for a table: two significant decimals under 10 ms."""
    if value is None or value != value:
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


# --------------------------------------------------------------------------- the machine


def _first_line(cmd: list[str]) -> str:
    """The first line a version command prints, or 'not found'."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "not found"


def _cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    """Total memory from /proc/meminfo."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _git_commit() -> str:
    """The commit being measured (with a + when the tree has uncommitted changes)."""
    head = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return head


_MACHINE: dict[str, str] | None = None


def machine_info() -> dict[str, str]:
    """What the figures were measured on: cores, CPU, memory, Python and library versions."""
    global _MACHINE
    if _MACHINE is not None:
        return dict(_MACHINE)
    versions = []
    for dist in (
        "flask",
        "flask-socketio",
        "python-socketio",
        "python-engineio",
        "gevent",
        "gunicorn",
        "sqlalchemy",
        "psycopg",
        "redis",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{dist} {metadata.version(dist)}")
    _MACHINE = {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": ", ".join(versions),
        "postgresql": _first_line(["postgres", "--version"])
        if shutil.which("postgres")
        else _first_line(["psql", "--version"]),
        "redis": _first_line(["redis-server", "--version"]),
        "nginx": _first_line([nginx_binary() or "nginx", "-v"]),
        "commit": _git_commit(),
    }
    return dict(_MACHINE)


def machine_markdown(info: dict[str, str] | None = None) -> str:
    """The machine as a short Markdown list."""
    info = info or machine_info()
    return "\n".join(
        [
            f"- machine: {info['cores']} cores, {info['cpu']}, {info['memory']}, {info['os']}",
            f"- Python {info['python']}; {info['libraries']}",
            f"- {info['postgresql']}; {info['redis']}; {info['nginx']}",
            f"- commit {info['commit']}; load average when written: {_load_average()} "
            "(other work on the machine inflates the figures)",
        ]
    )


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg says."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- databases


def free_port() -> int:
    """A TCP port nobody is listening on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_admin_url() -> str:
    """The maintenance database used to create and drop benchmark databases."""
    return os.environ.get("BENCH_POSTGRES_ADMIN_URL", DEFAULT_PG_ADMIN_URL)


def postgres_available() -> bool:
    """Is the machine's PostgreSQL answering?"""
    try:
        import psycopg

        with psycopg.connect(postgres_admin_url(), connect_timeout=3):
            return True
    except Exception:
        return False


def redis_url() -> str:
    """The Redis benchmarks use for the message queue (the machine's, unless told otherwise)."""
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def redis_available(url: str | None = None) -> bool:
    """Is Redis answering a PING?"""
    try:
        import redis

        return bool(redis.Redis.from_url(url or redis_url(), socket_timeout=2).ping())
    except Exception:
        return False


def postgres_database(name: str) -> str:
    """A fresh, empty PostgreSQL database called `name` (dropped first); returns its URL."""
    import psycopg
    from psycopg import sql

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", name):
        raise ValueError(f"not a safe database name: {name!r}")
    admin = postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(name: str) -> None:
    """Drop a benchmark database (servers using it must be stopped)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_url(engine: str, workdir: Path, name: str = "bench") -> str:
    """A fresh database on `engine` ('sqlite' or 'postgres') for one benchmark."""
    if engine == "sqlite":
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if engine == "postgres":
        return postgres_database(f"bench_{name}")
    raise ValueError(f"unknown engine {engine!r}")


def bench_config(url: str, upload_dir: Path | str | None = None) -> dict[str, Any]:
    """Settings for an in-process app that prepares data (never serves)."""
    return {
        "TESTING": False,
        "ENV_NAME": "testing",
        "SECRET_KEY": SECRET_KEY,
        "ASYNC_MODE": "threading",
        "SQLALCHEMY_DATABASE_URI": url,
        "SOCKETIO_MESSAGE_QUEUE": None,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        "UPLOAD_DIR": str(upload_dir or _scratch_uploads()),
    }


def _scratch_uploads() -> str:
    """An uploads directory for an app that prepares data, removed when the benchmark's
    process ends (each run's pictures, megabytes of them, were left in /tmp)."""
    path = tempfile.mkdtemp(prefix="bench-uploads-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def data_app(url: str, *, create: bool = True) -> Any:
    """A Flask app bound to `url` for preparing data; creates the schema when asked."""
    from exchange import create_app
    from exchange.extensions import db

    app = create_app(bench_config(url))
    if create:
        with app.app_context():
            db.drop_all()
            db.create_all()
    return app


def session_cookie(app: Any, actor: Any) -> str:
    """A signed session cookie for `actor`, as a server with the same SECRET_KEY would set it."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": actor.get_id(), "_fresh": True})


def cookie_header(app: Any, actor: Any) -> str:
    """The Cookie header value that signs a client in as `actor`."""
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    return f"{name}={session_cookie(app, actor)}"


# --------------------------------------------------------------------------- processes


def _children(pid: int) -> list[int]:
    """Direct children of a process (from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}").exists():
            tree.append(current)
            todo.extend(_children(current))
    return tree


class ManagedProcess:
    """A command in its own process group, logged to a file, always stopped by `stop()`."""

    def __init__(
        self,
        cmd: list[str],
        *,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        name: str = "process",
        cwd: Path | None = None,
    ) -> None:
        self.cmd = cmd
        self.env = env
        self.log_path = log_path
        self.name = name
        self.cwd = cwd or ROOT
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def pid(self) -> int:
        """The process id (of the process group leader)."""
        assert self.proc is not None, "not started"
        return self.proc.pid

    def alive(self) -> bool:
        """Is the process still running?"""
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> ManagedProcess:
        """Start the command."""
        if self.log_path:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_http(self, url: str, timeout: float = 30.0, ok: Iterable[int] = (200,)) -> None:
        """Wait until `url` answers with an accepted status; fail if the process dies."""
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(
                    f"{self.name} exited with {self.proc and self.proc.returncode}"
                    f"; log: {self.log_path}"
                )
            with contextlib.suppress(requests.RequestException):
                if requests.get(url, timeout=2).status_code in set(ok):
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer {url} within {timeout}s; log: {self.log_path}"
        )

    def send_signal(self, sig: int) -> None:
        """Send a signal to the whole process group."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def kill(self) -> None:
        """Crash it: SIGKILL to the group, no clean-up."""
        if self.alive():
            self.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)  # type: ignore[union-attr]

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int | None:
        """Stop gracefully (SIGTERM), then SIGKILL after `timeout`; returns the exit code."""
        if self.alive():
            self.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                self.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=10)  # type: ignore[union-attr]
        # A gunicorn master may leave a worker behind when killed: sweep the group.
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode if self.proc else None


def server_environment(
    database_url: str,
    *,
    redis: str | None = None,
    async_mode: str = "gevent",
    env_name: str = "production",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of an app server: its database, its Redis (or none), production mode,
    page requests two at a time as deploy/start.sh runs them (`extra` may say otherwise)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDIS", "SOCKETIO", "DATABASE", "EXCHANGE", "RATELIMIT"))
    }
    env.update(
        EXCHANGE_ENV=env_name,
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        ASYNC_MODE=async_mode,
        PYTHONUNBUFFERED="1",
        LOG_JSON="true",
        REQUESTS_AT_ONCE="2",
    )
    if redis:
        env["REDIS_URL"] = redis
        env["SOCKETIO_MESSAGE_QUEUE"] = redis
    env.update(extra or {})
    return env


class AppServer(ManagedProcess):
    """One Linking Exchange server process: `python -m exchange.serve` or gunicorn (as deployed).

    `kind="gunicorn"` runs the Procfile's command (deploy/gunicorn.conf.py: one gevent worker).
    """

    def __init__(
        self,
        database_url: str,
        *,
        kind: str = "gunicorn",
        port: int | None = None,
        redis: str | None = None,
        async_mode: str = "gevent",
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        name: str | None = None,
        checkout: Path | None = None,
        wsgi_app: str = "exchange.wsgi:app",
    ) -> None:
        self.port = port or free_port()
        # Whose code it serves: this checkout's, or another's (a worktree, for an A/B).
        checkout = checkout or ROOT
        self.url = f"http://127.0.0.1:{self.port}"
        self.kind = kind
        extra = dict(env or {})
        extra.setdefault("NODE_NAME", name or f"node-{self.port}")
        environment = server_environment(
            database_url, redis=redis, async_mode=async_mode, extra=extra
        )
        if kind == "gunicorn":
            cmd = [
                str(BIN / "gunicorn"),
                "--config",
                str(checkout / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                wsgi_app,
            ]
        elif kind == "serve":
            cmd = [
                sys.executable,
                "-m",
                "exchange.serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ]
        else:
            raise ValueError(f"unknown server kind {kind!r}")
        super().__init__(
            cmd,
            env=environment,
            log_path=log_path,
            name=name or f"server:{self.port}",
            cwd=checkout,
        )

    def start(self, timeout: float = 40.0) -> AppServer:  # type: ignore[override]
        """Start and wait until /healthz answers 200."""
        super().start()
        self.wait_http(self.url + "/healthz", timeout=timeout)
        return self


def nginx_binary() -> str | None:
    """Where nginx is (Debian puts it in /usr/sbin, often not on a non-root PATH)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def nginx_config(
    listen_port: int, upstream_ports: Sequence[int], workdir: Path, static_root: Path | None = None
) -> str:
    """A complete nginx.conf for loopback: the deployed proxy rules in front of `upstream_ports`."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in upstream_ports
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    deploy = ROOT / "deploy" / "nginx"
    return f"""# generated by bench/common.py for a loopback run; see deploy/nginx/ for the real one
{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 8192; }}
worker_rlimit_nofile 20000;
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {deploy}/http.conf;
    upstream exchange_app {{
        hash $exchange_sticky consistent;
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{listen_port};
        server_name localhost;
        set $exchange_root {static_root or ROOT};
        include {deploy}/locations.conf;
    }}
}}
"""


class Nginx(ManagedProcess):
    """nginx in the foreground on a loopback port, proxying to app servers with sticky sessions."""

    def __init__(
        self, upstream_ports: Sequence[int], *, port: int | None = None, workdir: Path | None = None
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / "nginx.conf"
        self.conf.write_text(nginx_config(self.port, upstream_ports, self.workdir))
        cmd = [binary, "-p", str(self.workdir), "-c", str(self.conf), "-g", "daemon off;"]
        super().__init__(cmd, log_path=self.workdir / "stdout.log", name="nginx")

    def start(self, timeout: float = 15.0) -> Nginx:  # type: ignore[override]
        """Start and wait until it proxies /healthz."""
        test = subprocess.run([*self.cmd[:-2], "-t"], capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{test.stderr}")
        super().start()
        self.wait_http(self.url + "/healthz", timeout=timeout)
        return self

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGQUIT) -> int | None:  # type: ignore[override]
        """Stop nginx (SIGQUIT: graceful)."""
        return super().stop(timeout=timeout, sig=sig)


# --------------------------------------------------------------------------- resources


@dataclass
class _Usage:
    """CPU ticks and RSS samples of one labelled process tree."""

    pid: int
    first_ticks: int | None = None
    last_ticks: int = 0
    first_at: float = 0.0
    last_at: float = 0.0
    peak_rss_kib: int = 0
    rss_samples: list[int] = field(default_factory=list)


def _tree_ticks_and_rss(pid: int) -> tuple[int, int]:
    """utime+stime clock ticks and RSS (KiB) summed over a process tree."""
    ticks = rss = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
    return ticks, rss


class ResourceSampler:
    """Samples CPU (% of one core) and RSS of labelled process trees from /proc, in a thread."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.usage: dict[str, _Usage] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._hz = os.sysconf("SC_CLK_TCK")

    def watch(self, label: str, pid: int) -> None:
        """Start sampling the process tree rooted at `pid` under `label`."""
        self.usage[label] = _Usage(pid=pid)

    def _sample(self) -> None:
        """Take one sample of every watched tree."""
        now = time.monotonic()
        for usage in self.usage.values():
            ticks, rss = _tree_ticks_and_rss(usage.pid)
            if rss == 0:
                continue  # gone
            if usage.first_ticks is None:
                usage.first_ticks, usage.first_at = ticks, now
            usage.last_ticks, usage.last_at = ticks, now
            usage.peak_rss_kib = max(usage.peak_rss_kib, rss)
            usage.rss_samples.append(rss)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> ResourceSampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Begin sampling."""
        self._stop.clear()
        self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, dict[str, float]]:
        """Stop sampling and return the summary."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self._sample()
        return self.summary()

    def summary(self) -> dict[str, dict[str, float]]:
        """Per label: mean CPU % of one core over the sampled time, peak and median RSS (MiB)."""
        out = {}
        for label, u in self.usage.items():
            elapsed = max(u.last_at - u.first_at, 1e-9)
            cpu = 100.0 * (u.last_ticks - (u.first_ticks or 0)) / self._hz / elapsed
            out[label] = {
                "cpu_pct": round(cpu, 1) if u.last_at > u.first_at else float("nan"),
                "rss_peak_mib": round(u.peak_rss_kib / 1024, 1),
                "rss_median_mib": round(statistics.median(u.rss_samples) / 1024, 1)
                if u.rss_samples
                else float("nan"),
            }
        return out


def resources_markdown(summary: dict[str, dict[str, float]]) -> str:
    """One line per process: CPU % and RSS."""
    return "; ".join(
        f"{label}: {s['cpu_pct']}% CPU, {s['rss_peak_mib']} MiB RSS peak"
        for label, s in summary.items()
    )


# --------------------------------------------------------------------------- clusters


class Cluster:
    """N app servers on one database, joined by Redis when N > 1, optionally behind nginx.

    Use as a context manager; `url` is what clients should connect to (nginx when present).
    """

    def __init__(
        self,
        database_url: str,
        *,
        processes: int = 1,
        nginx: bool | None = None,
        redis: str | None | bool = None,
        kind: str = "gunicorn",
        async_mode: str = "gevent",
        env: dict[str, str] | None = None,
        workdir: Path | None = None,
        wsgi_app: str = "exchange.wsgi:app",
        cpus: set[int] | None = None,
    ) -> None:
        """`wsgi_app`: what gunicorn serves (a bench may wrap the app); `cpus`: the cores the
        servers are kept on once started (None: wherever the kernel puts them)."""
        self.cpus = cpus
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-cluster-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        if redis is True or (redis is None and processes > 1):
            redis = redis_url()
        self.redis = redis or None
        want_nginx = processes > 1 if nginx is None else nginx
        env = dict(env or {})
        # A pub/sub channel of its own, so concurrent runs sharing the machine's Redis never mix.
        self.channel = env.setdefault("SOCKETIO_CHANNEL", f"bench-{os.getpid()}-{free_port()}")
        self.database_url = database_url
        if want_nginx:
            env.setdefault("TRUSTED_PROXIES", "1")  # the app sees each client's address
        self.servers = [
            AppServer(
                database_url,
                kind=kind,
                redis=self.redis,
                async_mode=async_mode,
                env=env,
                log_path=self.workdir / f"server{i}.log",
                name=f"server{i}",
                wsgi_app=wsgi_app,
            )
            for i in range(processes)
        ]
        self.nginx = (
            Nginx([s.port for s in self.servers], workdir=self.workdir / "nginx")
            if want_nginx
            else None
        )

    def emitter_app(self) -> Any:
        """An app in this process joined to the cluster's Redis channel: what it commits and
        publishes reaches the cluster's clients (needs Redis, i.e. several processes)."""
        from exchange import create_app

        config = bench_config(self.database_url)
        config.update(SOCKETIO_MESSAGE_QUEUE=self.redis, SOCKETIO_CHANNEL=self.channel)
        return create_app(config)

    @property
    def url(self) -> str:
        """The address clients use."""
        return self.nginx.url if self.nginx else self.servers[0].url

    def start(self) -> Cluster:
        """Start every server (in parallel), then nginx."""
        try:
            for server in self.servers:
                ManagedProcess.start(server)
            for server in self.servers:
                server.wait_http(server.url + "/healthz", timeout=60)
                if self.cpus is not None:
                    for pid in process_tree(server.pid):
                        os.sched_setaffinity(pid, self.cpus)
            if self.nginx:
                self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def processes(self) -> dict[str, int]:
        """Label -> pid of every running process of the cluster."""
        found = {s.name: s.pid for s in self.servers if s.alive()}
        if self.nginx and self.nginx.alive():
            found["nginx"] = self.nginx.pid
        return found

    @contextlib.contextmanager
    def measuring(self, interval: float = 0.5) -> Iterator[ResourceSampler]:
        """Sample CPU and RSS of every process while the block runs; read `.summary()` after."""
        sampler = ResourceSampler(interval)
        for label, pid in self.processes().items():
            sampler.watch(label, pid)
        sampler.start()
        try:
            yield sampler
        finally:
            sampler.stop()

    def stop(self) -> None:
        """Stop nginx and every server."""
        if self.nginx:
            self.nginx.stop()
        for server in self.servers:
            server.stop()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def logs(self, tail: int = 40) -> str:
        """The last lines of every server's log (for a failure message)."""
        parts = []
        for server in self.servers:
            if server.log_path and server.log_path.exists():
                lines = server.log_path.read_text(errors="replace").splitlines()[-tail:]
                parts.append(f"--- {server.name}\n" + "\n".join(lines))
        return "\n".join(parts)


# --------------------------------------------------------------------------- clients


def connect_client(
    url: str,
    cookie: str | None = None,
    *,
    transports: list[str] | None = None,
    reconnection: bool = False,
) -> Any:
    """One real (synchronous) python-socketio client, e.g. a teacher driving a benchmark."""
    import socketio

    client = socketio.Client(reconnection=reconnection)
    client.connect(
        url,
        headers={"Cookie": cookie} if cookie else {},
        transports=transports or ["websocket"],
        wait_timeout=15,
    )
    return client


@dataclass
class ClientSpec:
    """One swarm client: who it is (a Cookie header), what it follows, which facts it records."""

    cookie: str | None = None
    streams: list[str] = field(default_factory=list)
    listen: list[str] = field(default_factory=list)
    transports: list[str] | None = None  # None: the swarm's


@dataclass
class SwarmResult:
    """What a swarm saw: every recorded fact and every connection incident."""

    # [client, event, stream, seq, key, recv_ns, sent_ns, caught_up, duplicate]
    records: list[list[Any]]
    clients: list[dict[str, Any]]  # per client: connects, disconnects, errors, connect_ms
    acks: list[dict[str, Any]]  # replies to emit() commands

    def latencies_ms(
        self, event: str | None = None, sent_by_key: dict[Any, int] | None = None
    ) -> list[float]:
        """Delivery latencies: receive time minus the stamp in the payload or `sent_by_key`."""
        out = []
        for _client, ev, _stream, _seq, key, recv_ns, sent_ns, caught_up, dup in self.records:
            if (event and ev != event) or caught_up or dup:
                continue
            sent = sent_by_key.get(key) if sent_by_key is not None else sent_ns
            if sent is not None:
                out.append((recv_ns - sent) / 1e6)
        return out

    def received(self, event: str | None = None, *, wire: bool = False) -> dict[int, list[Any]]:
        """Per client, the keys of the facts it applied (live or caught up), in arrival order.

        A fact that arrives twice (live and again in a catch-up) is applied once, as the
        browser client does by sequence number; `wire=True` lists every arrival instead.
        """
        out: dict[int, list[Any]] = {}
        for client, ev, _stream, _seq, key, *_rest, dup in self.records:
            if (event is None or ev == event) and (wire or not dup):
                out.setdefault(client, []).append(key)
        return out

    def wire_duplicates(self, event: str | None = None) -> int:
        """Facts that reached a client more than once (dropped by sequence number)."""
        return sum(1 for r in self.records if r[-1] and (event is None or r[1] == event))

    def incidents(self) -> dict[str, int]:
        """Totals: clients, connected, disconnects, reconnects, errors (a failed first connect
        or subscribe) and connect_errors (refused attempts while reconnecting)."""
        return {
            "clients": len(self.clients),
            "connected": sum(1 for c in self.clients if c["connects"] > 0),
            "disconnects": sum(c["disconnects"] for c in self.clients),
            "reconnects": sum(max(c["connects"] - 1, 0) for c in self.clients),
            "errors": sum(c["errors"] for c in self.clients),
            "connect_errors": sum(c.get("connect_errors", 0) for c in self.clients),
        }


class Swarm:
    """Many real python-socketio AsyncClients in one or more load-generator processes.

    Each client connects (cookie), subscribes to its streams, records the listened facts with
    their arrival time and, after a reconnect, subscribes again with the last sequence number it
    saw so that what it missed arrives as catch-up (recorded with caught_up=True).
    """

    def __init__(
        self,
        url: str,
        clients: Sequence[ClientSpec],
        *,
        processes: int | None = None,
        transports: list[str] | None = None,
        key_fields: Sequence[str] = ("item_id", "item.id", "id", "seq"),
        reconnection: bool = True,
        connect_concurrency: int = 50,
        workdir: Path | None = None,
    ) -> None:
        self.url = url
        self.clients = list(clients)
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-swarm-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        count = processes or max(1, min(os.cpu_count() or 1, (len(self.clients) + 499) // 500))
        self.slices = [list(range(i, len(self.clients), count)) for i in range(count)]
        self.options = {
            "transports": transports or ["websocket"],
            "key_fields": list(key_fields),
            "reconnection": reconnection,
            "connect_concurrency": connect_concurrency,
        }
        self.procs: list[subprocess.Popen[str]] = []
        self._owner: dict[int, int] = {c: p for p, s in enumerate(self.slices) for c in s}

    def start(self, timeout: float = 120.0) -> Swarm:
        """Start the load generators and wait until every client is connected and subscribed."""
        for n, members in enumerate(self.slices):
            spec = {
                "url": self.url,
                **self.options,
                "clients": {str(i): self.clients[i].__dict__ for i in members},
                "result_path": str(self.workdir / f"swarm{n}.json"),
            }
            spec_path = self.workdir / f"swarm{n}.spec.json"
            spec_path.write_text(json.dumps(spec))
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bench.swarm", str(spec_path)],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=open(self.workdir / f"swarm{n}.log", "ab"),  # noqa: SIM115
                    text=True,
                    bufsize=1,
                )
            )
        for proc in self.procs:
            ready = self._read(proc, timeout)
            if not ready.get("ready"):
                self.stop()
                raise RuntimeError(f"swarm did not get ready: {ready}")
            if ready.get("failed"):
                self.stop()
                raise RuntimeError(
                    f"{ready['failed']} swarm clients could not connect: {ready.get('first_error')}"
                )
        return self

    def _read(self, proc: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
        """The next JSON line from a load generator."""
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readable, _, _ = select.select([proc.stdout], [], [], 0.5)
            if readable:
                line = proc.stdout.readline()
                if not line:
                    break
                with contextlib.suppress(ValueError):
                    return json.loads(line)
            elif proc.poll() is not None:
                break
        return {"error": "no answer from load generator", "exit": proc.poll()}

    def _send(self, proc: subprocess.Popen[str], command: dict[str, Any]) -> None:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(command) + "\n")
        proc.stdin.flush()

    def emit(
        self,
        client: int,
        event: str,
        data: Any = None,
        *,
        tag: str | None = None,
        wait: bool = True,
        timeout: float = 30.0,
    ) -> dict[str, Any] | None:
        """Have swarm client `client` send a command; with `wait`, return its ack and round trip."""
        proc = self.procs[self._owner[client]]
        self._send(
            proc,
            {
                "cmd": "emit",
                "client": client,
                "event": event,
                "data": data,
                "tag": tag,
                "reply": wait,
            },
        )
        return self._read(proc, timeout) if wait else None

    def counts(self) -> dict[str, int]:
        """Live totals across load generators: events received, connected clients."""
        total: dict[str, int] = {}
        for proc in self.procs:
            self._send(proc, {"cmd": "counts"})
            for key, value in self._read(proc, 30).items():
                if isinstance(value, int):
                    total[key] = total.get(key, 0) + value
        return total

    def wait_for(
        self, predicate: Callable[[dict[str, int]], bool], timeout: float = 30.0, poll: float = 0.1
    ) -> dict[str, int]:
        """Poll counts() until `predicate(counts)` holds (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        counts = self.counts()
        while not predicate(counts) and time.monotonic() < deadline:
            time.sleep(poll)
            counts = self.counts()
        return counts

    def stop(self) -> SwarmResult:
        """Disconnect every client and collect what each load generator recorded."""
        records: list[list[Any]] = []
        clients: list[dict[str, Any]] = []
        acks: list[dict[str, Any]] = []
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(OSError, ValueError):
                    self._send(proc, {"cmd": "stop"})
        for n, proc in enumerate(self.procs):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            path = self.workdir / f"swarm{n}.json"
            if path.exists():
                data = json.loads(path.read_text())
                records.extend(data["records"])
                clients.extend(data["clients"])
                acks.extend(data["acks"])
        self.procs = []
        return SwarmResult(records=records, clients=clients, acks=acks)

    def __enter__(self) -> Swarm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.procs:
            self.stop()


# --------------------------------------------------------------------------- load generators


def page_ms(url: str, cookie: str, timeout: float = 60) -> float:
    """Milliseconds to fetch `url` as the holder of `cookie`, the whole answer read; it must
    answer 200."""
    import urllib.request

    started = time.perf_counter()
    ask = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(ask, timeout=timeout) as answer:  # noqa: S310 - loopback only
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{url} answered {answer.status}")
    return (time.perf_counter() - started) * 1000


def wrk_binary() -> str | None:
    """Where wrk is, if installed (apt-get install wrk)."""
    return shutil.which("wrk")


_WRK_LUA = """
done = function(summary, latency, requests)
  io.write("WRKJSON ")
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors_status":%d,'
    .. '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%f}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def wrk(
    url: str,
    *,
    connections: int = 50,
    duration_s: float = 10,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    cookies: Sequence[str] | None = None,
    timeout_s: float = 10,
) -> dict[str, float]:
    """Run wrk against `url`; returns requests/s and latency percentiles in ms.

    `cookies`: Cookie header values used in turn, request by request (several signed-in users).
    """
    binary = wrk_binary()
    if binary is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    script_text = _WRK_LUA
    if cookies:
        quoted = ", ".join(json.dumps(c) for c in cookies)  # JSON strings are Lua strings here
        script_text = (
            f"local cookies = {{{quoted}}}\nlocal turn = 0\n"
            "request = function()\n  turn = turn + 1\n"
            '  wrk.headers["Cookie"] = cookies[(turn % #cookies) + 1]\n'
            "  return wrk.format(nil)\nend\n" + _WRK_LUA
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    cmd = [
        binary,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration_s}s",
        "--timeout",
        f"{timeout_s}s",
        "-s",
        script.name,
    ]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=False, timeout=duration_s + 120
    )
    os.unlink(script.name)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    raw = json.loads(line.split(" ", 1)[1])
    errors = sum(v for k, v in raw.items() if k.startswith("errors_"))
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000,
        "p90": raw["p90_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "max": raw["max_us"] / 1000,
        "mean": raw["mean_us"] / 1000,
        "errors": errors,
        "non_2xx": raw["errors_status"],
    }


# --------------------------------------------------------------------------- the report


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


REPORT_HEADER = """# Performance

Measured by `python -m bench all` (or `make bench`), which runs every `bench/bench_*.py` and
rewrites its own section of this file. Each section says the command that produced it, the
machine and the commit; figures are medians of several runs unless a section says otherwise.
Latencies are in milliseconds, measured on one clock (CLOCK_MONOTONIC, shared by every process
on the machine) from a timestamp taken when the action was sent to the moment each client
received the fact.
"""


def command_line() -> str:
    """The command that is running, as someone would type it."""
    args = sys.argv[1:]
    return "python -m bench " + " ".join(shlex.quote(a) for a in args)


def write_section(
    name: str,
    title: str,
    body: str,
    *,
    command: str | None = None,
    path: Path | None = None,
    machine: dict[str, str] | None = None,
) -> Path:
    """Replace (or append) the section `name` of docs/performance.md, under a file lock.

    The section is delimited by `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` so several
    benchmarks, even running at the same time, each own their part of one file.
    """
    path = path or REPORT
    path.parent.mkdir(parents=True, exist_ok=True)
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join(
        [
            start,
            f"## {title}",
            "",
            f"Command: `{command or command_line()}` ({when})",
            "",
            machine_markdown(machine),
            "",
            body.strip(),
            end,
        ]
    )
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = path.read_text() if path.exists() else REPORT_HEADER
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m: section, text)
        else:
            text = text.rstrip() + "\n\n" + section + "\n"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    with contextlib.suppress(OSError):
        path.with_suffix(".lock").unlink()
    return path


# --------------------------------------------------------------------------- arguments


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Options every benchmark understands."""
    parser.add_argument("--quick", action="store_true", help="a short smoke run (no report)")
    parser.add_argument("--runs", type=int, default=None, help="repetitions (median reported)")
    parser.add_argument(
        "--engines", default="sqlite,postgres", help="comma-separated: sqlite, postgres"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not update the report")
    parser.add_argument("--report", type=Path, default=REPORT, help="the Markdown file to update")


def runs_for(args: argparse.Namespace, default: int = 5) -> int:
    """How many repetitions: --runs, else 1 for --quick, else `default`."""
    if getattr(args, "runs", None):
        return int(args.runs)
    return 1 if getattr(args, "quick", False) else default


def engines_for(args: argparse.Namespace) -> list[str]:
    """The database engines to measure; PostgreSQL is skipped (with a note) when not running."""
    wanted = [e.strip() for e in str(getattr(args, "engines", "sqlite")).split(",") if e.strip()]
    if "postgres" in wanted and not postgres_available():
        print("bench: PostgreSQL is not answering; measuring SQLite only", file=sys.stderr)
        wanted = [e for e in wanted if e != "postgres"]
    return wanted


def publish(args: argparse.Namespace, name: str, title: str, body: str) -> None:
    """Write a section of the report, or just print it for --quick / --no-write."""
    if getattr(args, "quick", False) or getattr(args, "no_write", False):
        print(f"\n## {title}\n\n{body}\n")
        return
    path = write_section(name, title, body, path=getattr(args, "report", None))
    print(f"bench: wrote section {name!r} of {path}")


@contextlib.contextmanager
def workdir(prefix: str = "bench-") -> Iterator[Path]:
    """A scratch directory removed afterwards; kept, with the servers' logs, when BENCH_KEEP is
    set or the benchmark failed (a server error is read in its log)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    failed = False
    try:
        yield path
    except BaseException:
        failed = True
        raise
    finally:
        if failed or os.environ.get("BENCH_KEEP"):
            print(f"bench: kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A scratch git worktree of `rev` (for an A/B against this checkout), removed afterwards.
    It shares this checkout's virtual environment and built assets: a server run from it
    imports its own `exchange` (the working directory comes first on sys.path)."""
    path = Path(tempfile.mkdtemp(prefix="bench-ab-worktree-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    vendor = ROOT / "static" / "vendor"
    if vendor.is_dir():  # built by `make assets`, not in git
        shutil.copytree(vendor, path / "static" / "vendor", dirs_exist_ok=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)
