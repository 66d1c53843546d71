"""Configuration: the only module that reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside development below
ASYNC_MODES = ("gevent", "eventlet", "threading")


class ConfigError(RuntimeError):
    """Raised when the environment asks for something unsafe or impossible."""


def _bool(value: str | None, default: bool = False) -> bool:
    """Read a yes/no environment value."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment, read once."""

    env: str
    secret_key: str
    database_url: str
    async_mode: str
    redis_url: str | None
    socketio_message_queue: str | None
    upload_dir: str
    public_origin: str | None
    log_json: bool
    node_name: str | None = None
    trusted_proxies: int = 0
    metrics_token: str | None = None
    shutdown_grace_seconds: float = 15.0
    crash_at: str | None = None  # test-only fault hook (exchange/rooms/live/faults.py)
    socketio_channel: str = "linking-exchange"
    requests_at_once: int = 0  # 0: no cap (exchange/slots.py)


def read_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the process environment (after loading .env)."""
    if environ is None:
        load_dotenv(ROOT / ".env", override=False)
        environ = dict(os.environ)
    env = environ.get("EXCHANGE_ENV", "development")
    instance = ROOT / "instance"
    default_db = f"sqlite:///{instance / 'exchange.sqlite3'}"
    async_mode = environ.get("ASYNC_MODE", "gevent")
    if async_mode not in ASYNC_MODES:
        raise ConfigError(f"ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}, not {async_mode!r}")
    redis_url = environ.get("REDIS_URL") or None
    return Settings(
        env=env,
        secret_key=environ.get("SECRET_KEY", DEV_SECRET_KEY),
        database_url=_normalise_db_url(environ.get("DATABASE_URL") or default_db),
        async_mode=async_mode,
        redis_url=redis_url,
        socketio_message_queue=environ.get("SOCKETIO_MESSAGE_QUEUE") or redis_url,
        upload_dir=environ.get("UPLOAD_DIR") or str(ROOT / "uploads"),
        public_origin=environ.get("PUBLIC_ORIGIN") or None,
        log_json=_bool(environ.get("LOG_JSON"), default=env != "development"),
        node_name=environ.get("NODE_NAME") or None,
        trusted_proxies=_count(environ, "TRUSTED_PROXIES"),
        metrics_token=environ.get("METRICS_TOKEN") or None,
        shutdown_grace_seconds=float(environ.get("SHUTDOWN_GRACE_SECONDS") or 15),
        crash_at=environ.get("EXCHANGE_CRASH_AT") or None,
        socketio_channel=environ.get("SOCKETIO_CHANNEL") or "linking-exchange",
        requests_at_once=_count(environ, "REQUESTS_AT_ONCE"),
    )


def _count(environ: dict[str, str], name: str) -> int:
    """A whole number of at least 0 (unset or empty: 0), or a ConfigError naming the setting."""
    value = (environ.get(name) or "0").strip()
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number, 0 or more (it is {value!r})")
    return int(value)


def _normalise_db_url(url: str) -> str:
    """Point plain postgres URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def flask_config(settings: Settings) -> dict[str, object]:
    """Turn settings into Flask config keys; refuse unsafe production defaults."""
    development = settings.env in {"development", "testing"}
    if not development and settings.secret_key == DEV_SECRET_KEY:
        raise ConfigError("SECRET_KEY must be set outside development (see .env.example)")
    if settings.crash_at and not development:
        raise ConfigError("EXCHANGE_CRASH_AT is a test-only fault hook; unset it outside testing")
    # hide_parameters: a failed statement's error (and any SQL logging) names the statement but
    # never its values, which can be a pupil's words.
    # No pool_pre_ping: exchange/pooling.py pings only connections that sat idle in the pool.
    engine_options: dict[str, object] = {"hide_parameters": True}
    if settings.database_url.startswith("postgresql"):
        # One gevent worker multiplexes many greenlets; a modest pool with overflow
        # keeps PostgreSQL connections bounded per process.
        # A burst (60 pupils voting at once) may queue for a connection; waiting beats failing.
        engine_options.update(pool_size=10, max_overflow=20, pool_timeout=30, pool_recycle=1800)
        engine_options["connect_args"] = {"connect_timeout": 5}
    return {
        "ENV_NAME": settings.env,
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "ASYNC_MODE": settings.async_mode,
        "REDIS_URL": settings.redis_url,
        "SOCKETIO_MESSAGE_QUEUE": settings.socketio_message_queue,
        "UPLOAD_DIR": settings.upload_dir,
        "PUBLIC_ORIGIN": settings.public_origin,
        "LOG_JSON": settings.log_json,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": not development,
        "MAX_CONTENT_LENGTH": 6 * 15 * 1024 * 1024 + 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down for a moment: count in memory meanwhile rather than fail requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "NODE_NAME": settings.node_name,
        "TRUSTED_PROXIES": settings.trusted_proxies,
        "METRICS_TOKEN": settings.metrics_token,
        "SHUTDOWN_GRACE_SECONDS": settings.shutdown_grace_seconds,
        "EXCHANGE_CRASH_AT": settings.crash_at,
        "SOCKETIO_CHANNEL": settings.socketio_channel,
        "REQUESTS_AT_ONCE": settings.requests_at_once,
        "API_TITLE": "Linking Exchange API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
