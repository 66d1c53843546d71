"""The socket core: each socket acts as its own user, even in the in-process test client."""

from __future__ import annotations

from exchange.extensions import socketio


def test_two_sockets_in_one_test_act_as_their_own_users(world, socket_for, app):
    pupil = socket_for(world.pupil_a)
    teacher = socket_for(world.teacher_b)
    queue = f"queue:{world.class_b.id}"
    assert pupil.emit("subscribe", {"stream": queue}, callback=True)["ok"] is False
    assert teacher.emit("subscribe", {"stream": queue}, callback=True)["ok"] is True
    assert pupil.emit("subscribe", {"stream": queue}, callback=True)["ok"] is False
    anonymous = socketio.test_client(app)
    assert not anonymous.is_connected()


def test_an_app_bound_after_one_with_a_message_queue_does_not_inherit_its_queue(
    app, database_url, tmp_path
):
    """Flask-SocketIO keeps an earlier init_app's options, Redis client manager included: an
    app bound without a queue after one with a queue must not publish through Redis."""
    from socketio.pubsub_manager import PubSubManager

    from exchange import create_app
    from exchange.extensions import socketio
    from exchange.setup import init_socketio
    from tests.conftest import _config
    from tests.live.redis_helpers import REDIS_URL

    config = _config(database_url, tmp_path / "uploads")
    config["SOCKETIO_MESSAGE_QUEUE"] = REDIS_URL  # this pass's own database; nothing is sent
    create_app(config)
    assert isinstance(socketio.server.manager, PubSubManager)
    init_socketio(app)
    assert not isinstance(socketio.server.manager, PubSubManager)
