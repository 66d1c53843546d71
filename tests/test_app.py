"""The app factory, configuration and health check."""

from __future__ import annotations

import os

import pytest

from exchange.config import ConfigError, flask_config, read_settings


def test_health_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"]["status"] == "ok"


def test_production_refuses_the_default_secret_key():
    settings = read_settings({"EXCHANGE_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        flask_config(settings)


def test_production_cookies_are_secure():
    settings = read_settings({"EXCHANGE_ENV": "production", "SECRET_KEY": "x" * 40})
    config = flask_config(settings)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_async_mode_is_refused():
    with pytest.raises(ConfigError, match="ASYNC_MODE"):
        read_settings({"ASYNC_MODE": "tornado"})


@pytest.mark.parametrize("value", ["-1", "one", "1.0"])
def test_a_bad_trusted_proxies_is_refused_by_name(value):
    """Counted like REQUESTS_AT_ONCE (it was a bare ValueError, or a negative count taken as
    given)."""
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a whole number"):
        read_settings({"TRUSTED_PROXIES": value})


def test_postgres_urls_use_psycopg_3():
    settings = read_settings({"DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")


def test_anonymous_socket_is_refused(app):
    from exchange.extensions import socketio

    sock = socketio.test_client(app)
    assert not sock.is_connected()


def test_socket_joins_only_streams_it_may_see(world, socket_for):
    sock = socket_for(world.pupil_b)
    assert sock.emit("subscribe", {"stream": f"link:{world.link.id}"}, callback=True)["ok"]
    refused = sock.emit("subscribe", {"stream": f"queue:{world.class_b.id}"}, callback=True)
    assert refused == {"ok": False, "error": "forbidden", "message": "You cannot follow that."}
    malformed = sock.emit("subscribe", {"stream": 5}, callback=True)
    assert malformed["error"] == "invalid"


def test_a_server_process_loads_no_migration_calendar_qr_code_or_picture_tools(tmp_path):
    # What each gunicorn worker holds for its whole life: alembic (with mako), icalendar,
    # qrcode, Pillow and pillow-heif were 21 MiB of it, used only by `flask db`, the odd
    # calendar file or login card and uploads, which import them when they need them.
    import subprocess
    import sys

    probe = (
        "import sys; import exchange.wsgi; "
        "print(sorted(m for m in ('alembic', 'flask_migrate', 'icalendar', 'qrcode', 'PIL', "
        "'pillow_heif') "
        "if m in sys.modules))"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "EXCHANGE_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "ASYNC_MODE": "threading",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_line_still_migrates(tmp_path):
    from exchange import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite3'}"})
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
