"""Fixtures of the accounts tests: a clock that tests move forward."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from exchange import types


class Clock:
    """A frozen `exchange.types.utcnow` that a test moves forward."""

    def __init__(self) -> None:
        self.now = types.utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        """Move the clock forward by a timedelta's keywords."""
        self.now += timedelta(**kw)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze time; `clock.advance(minutes=15)` moves it on."""
    frozen = Clock()
    monkeypatch.setattr(types, "utcnow", frozen)
    return frozen
