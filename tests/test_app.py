"""The app factory, configuration and health check."""

from __future__ import annotations

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
