"""Operations in one process: health and readiness, operator-only metrics, and logs that say
what happened without ever carrying a pupil's words or anyone's credentials."""

from __future__ import annotations

import json
import logging
import re
import socket

import pytest

from exchange import realtime
from exchange.extensions import db
from exchange.ops import metrics, shutdown
from tests.factories import PASSWORD, PIN, ROLES


def closed_port() -> int:
    """A loopback port with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def draining():
    """Pretend this process received SIGTERM."""
    shutdown._State.draining = True
    yield
    shutdown._State.draining = False


def test_health_and_readiness_report_database_and_message_queue(client):
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["database"]["status"] == "ok"
    assert body["message_queue"]["status"] == "off"  # one process: nothing to share
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["ready"] is True


def test_readiness_fails_while_the_message_queue_is_unreachable(app, client):
    app.config["SOCKETIO_MESSAGE_QUEUE"] = f"redis://127.0.0.1:{closed_port()}/0"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["down"] == ["message_queue"] and body["message_queue"]["status"] == "down"
    assert body["message_queue"]["error"]
    # Liveness still answers: the process is fine, a dependency is not.
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"


def test_readiness_fails_while_shutting_down(client, draining):
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["draining"] is True
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_metrics_are_for_operators_not_for_any_role_through_the_proxy(app, world, role, as_user):
    browser = as_user(world.actor(role))
    through_proxy = browser.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert through_proxy.status_code == 404
    remote = browser.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 404


def test_metrics_answer_a_local_operator_with_connections_rooms_and_queues(app, client, world):
    response = client.get("/metrics")  # the test client comes from 127.0.0.1, no proxy
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for name in (
        "exchange_socket_connections",
        'exchange_moderation_items{state="pending"}',
        "exchange_moderation_pending_oldest_age_seconds",
        "exchange_moderation_approvals_total",
        "exchange_http_requests_total",
    ):
        assert name in text


def test_metrics_token_replaces_the_loopback_rule(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-token"
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    right = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-token", "X-Forwarded-For": "198.51.100.7"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert right.status_code == 200


def test_metrics_count_published_facts_and_socket_commands(app, client, world, socket_for):
    metrics.REGISTRY.reset()
    stream = realtime.link_stream(world.link.id)
    realtime.publish(stream, "item_approved", {"note": "hello"}, link_id=world.link.id)
    db.session.commit()
    sock = socket_for(world.pupil_a)
    sock.emit("subscribe", {"stream": stream}, callback=True)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'exchange_facts_published_total{kind="item_approved",stream="link"} 1' in text
    assert 'exchange_socket_events_total{event="subscribe",outcome="ok"} 1' in text
    assert 'exchange_socket_rooms{kind="link"} 1' in text
    assert "exchange_socket_event_duration_seconds_count" in text


def test_each_request_is_one_json_line_with_its_duration(app, client, caplog):
    caplog.set_level(logging.INFO, logger="exchange.request")
    client.get("/healthz?token=abc123")
    records = [r for r in caplog.records if r.name == "exchange.request"]
    assert len(records) == 1
    fields = records[0].fields
    assert fields["method"] == "GET" and fields["path"] == "/healthz"
    assert fields["status"] == 200 and fields["duration_ms"] >= 0
    assert "abc123" not in json.dumps(fields)  # query strings may carry tokens


def test_logs_never_hold_credentials_or_pupils_words(app, world, client, socket_for, caplog):
    from exchange.ops.logs import JsonFormatter

    caplog.set_level(logging.DEBUG)
    secret_words = "My address is 12 Acacia Avenue"
    client.post(
        "/sign-in",
        data={"email": world.teacher_a.email, "password": PASSWORD},
        query_string={"card": "card-token-xyz"},
    )
    client.post("/sign-in/class", data={"class_code": world.class_a.code, "secret": PIN})
    sock = socket_for(world.pupil_a)
    sock.emit("subscribe", {"stream": secret_words}, callback=True)
    sock.emit("no_such_command", {"text": secret_words})
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records]
    written = "\n".join(json.dumps(line) for line in lines)
    assert "socket event" in written and '"event": "request"' in written
    for secret in (PASSWORD, "card-token-xyz", secret_words, "Acacia"):
        assert secret not in written
    # The PIN is four digits: look for it as a number of its own, outside the clock readings
    # (a time's microseconds or a duration can hold "4826" by chance, as one CI run found).
    without_clocks = json.dumps(
        [{k: v for k, v in line.items() if k != "time" and not k.endswith("_ms")} for line in lines]
    )
    assert re.search(rf"(?<![\d.]){PIN}(?![\d])", without_clocks) is None
    assert "session=" not in written  # no cookies


def test_a_failed_statement_never_carries_a_pupils_words_into_the_logs(app):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    secret_words = "My address is 12 Acacia Avenue"
    with pytest.raises(DBAPIError) as failed:
        db.session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret_words})
    db.session.rollback()
    assert "no_such_table" in str(failed.value) and "Acacia" not in str(failed.value)


def test_shutdown_with_no_sockets_has_nothing_to_move(app):
    assert shutdown.notify_and_close_sockets() == 0
    assert shutdown.is_draining() is False
