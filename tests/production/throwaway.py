"""Throwaway Redis and PostgreSQL servers on free loopback ports, for fault tests.

Fault tests stop and restart these, never the machine's shared services.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

from bench.common import ManagedProcess, free_port

PG_BIN = Path("/usr/lib/postgresql")


def _pg_bin(name: str) -> str | None:
    """A PostgreSQL server binary (Debian keeps them out of PATH)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(PG_BIN.glob("*/bin"), reverse=True) if PG_BIN.exists() else []
    for folder in versions:
        if (folder / name).exists():
            return str(folder / name)
    return None


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser: cannot start PostgreSQL")
    return [runuser, "-u", "postgres", "--"]


def redis_binary() -> str | None:
    """redis-server, if installed."""
    return shutil.which("redis-server")


def postgres_binaries() -> bool:
    """Are initdb and postgres installed (and runnable as a non-root user)?"""
    if _pg_bin("initdb") is None or _pg_bin("postgres") is None:
        return False
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


class ThrowawayRedis:
    """redis-server on a free port, nothing kept on disk; stop() and start() at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = Path(tempfile.mkdtemp(prefix="throwaway-redis-"))
        self.proc: ManagedProcess | None = None

    def start(self, timeout: float = 10.0) -> ThrowawayRedis:
        """Start (again) on the same port and wait for PONG."""
        cmd = [
            redis_binary() or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        self.proc = ManagedProcess(cmd, log_path=self.workdir / "redis.log", name="redis").start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("throwaway redis did not start")

    def stop(self) -> None:
        """Stop it (the port is closed until start())."""
        if self.proc:
            self.proc.stop(timeout=5)

    def remove(self) -> None:
        """Stop and delete its folder."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (initdb) on a free port; stop() and start() at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="throwaway-pg-"))
        self.data = self.workdir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.proc: ManagedProcess | None = None
        os.chmod(self.workdir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        subprocess.run(
            [
                *_as_postgres(),
                _pg_bin("initdb") or "initdb",
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, timeout: float = 30.0) -> ThrowawayPostgres:
        """Start (again) on the same port and wait until it accepts connections."""
        cmd = [
            *_as_postgres(),
            _pg_bin("postgres") or "postgres",
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.workdir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=100",
        ]
        self.proc = ManagedProcess(cmd, log_path=None, name="postgres").start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.url, connect_timeout=1):
                    return self
            except psycopg.OperationalError:
                if not self.proc.alive():
                    raise RuntimeError("throwaway postgres exited") from None
                time.sleep(0.1)
        raise RuntimeError("throwaway postgres did not start")

    def stop(self) -> None:
        """Fast shutdown: clients are disconnected, the port closes."""
        if self.proc:
            self.proc.stop(timeout=20, sig=signal.SIGINT)

    def remove(self) -> None:
        """Stop and delete the cluster."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
