"""The crash hook is a test-only tool: unknown points and production configurations refuse it."""

from __future__ import annotations

import dataclasses

import pytest

from exchange.config import ConfigError, flask_config, read_settings
from exchange.rooms.live import faults


def settings(**changes):
    base = read_settings({"EXCHANGE_ENV": "testing", "SECRET_KEY": "s"})
    return dataclasses.replace(base, **changes)


def test_the_hook_is_read_from_the_environment_in_testing():
    config = flask_config(
        read_settings({"EXCHANGE_ENV": "testing", "EXCHANGE_CRASH_AT": "mid_broadcast"})
    )
    assert config["EXCHANGE_CRASH_AT"] == "mid_broadcast"


def test_production_refuses_the_hook():
    with pytest.raises(ConfigError, match="test-only"):
        flask_config(
            settings(env="production", secret_key="a-real-secret", crash_at="before_store")
        )


@pytest.mark.parametrize("value", ["somewhere", "before_store:x", ":1"])
def test_unknown_points_are_refused(value):
    with pytest.raises(ConfigError):
        faults.parse(value)


def test_points_parse_with_their_skips():
    assert faults.parse("after_commit_before_emit") == ("after_commit_before_emit", 0)
    assert faults.parse("mid_broadcast:2") == ("mid_broadcast", 2)


def test_an_unarmed_hook_does_nothing(app):
    assert app.config.get("EXCHANGE_CRASH_AT") is None
    faults.crash_point("before_store")  # returns: no crash, nothing armed


def test_an_app_configured_for_production_refuses_to_arm_it(app):
    app.config.update(EXCHANGE_CRASH_AT="before_store", ENV_NAME="production")
    with pytest.raises(ConfigError, match="refused in production"):
        faults.install(app)
    app.config.update(EXCHANGE_CRASH_AT=None, ENV_NAME="testing")
    faults.install(app)
