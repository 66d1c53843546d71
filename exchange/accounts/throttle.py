"""Slowing down, then locking, repeated failed sign-ins: per pupil, device, class and staff account.

Never per IP address: a whole school usually shares one, and one child's mistakes must not lock
out everybody else. Each key counts failures in a window; past `soft` failures every further try
must wait a little longer, and at `hard` failures the key is locked for `lock`. A teacher can clear
their pupils' and their class's keys; a success clears a pupil's or a staff account's own key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from exchange import types as clock
from exchange.accounts.models import LoginThrottle
from exchange.errors import TooMany
from exchange.extensions import db


@dataclass(frozen=True)
class Policy:
    """How many failures a key may have before it is slowed down and then locked."""

    soft: int
    hard: int
    lock: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(hours=1)
    max_delay_seconds: int = 60

    def delay(self, failures: int) -> timedelta | None:
        """How long the next try must wait after this many failures (None: no wait)."""
        if failures >= self.hard:
            return self.lock
        if failures > self.soft:
            return timedelta(seconds=min(self.max_delay_seconds, 2 ** (failures - self.soft)))
        return None


PUPIL = Policy(soft=3, hard=8)
DEVICE = Policy(soft=10, hard=25)
# A class code is shared by ~30 pupils, so it tolerates more mistakes before it locks.
CLASS = Policy(soft=25, hard=60)
STAFF = Policy(soft=5, hard=10)


def pupil_key(pupil_id: int) -> str:
    """The throttle key of one pupil."""
    return f"pupil:{pupil_id}"


def device_key(device_id: str) -> str:
    """The throttle key of one browser (a random id in a cookie)."""
    return f"device:{device_id}"


def class_key(classroom_id: int) -> str:
    """The throttle key of one class code."""
    return f"class:{classroom_id}"


def staff_key(user_id: int) -> str:
    """The throttle key of one staff account."""
    return f"staff:{user_id}"


def wait_seconds(key: str) -> int:
    """Seconds until this key may try again (0 when it may try now)."""
    row = db.session.get(LoginThrottle, key, populate_existing=True)
    return _seconds_left(row)


def _seconds_left(row: LoginThrottle | None) -> int:
    """Seconds until a throttle row lets its key try again."""
    if row is None or row.locked_until is None:
        return 0
    left = (row.locked_until - clock.utcnow()).total_seconds()
    return max(0, math.ceil(left))


def check(key: str, policy: Policy, locked_message: str) -> None:
    """Refuse while the key must wait: a short "slow down", or `locked_message` when locked."""
    row = db.session.get(LoginThrottle, key, populate_existing=True)
    seconds = _seconds_left(row)
    if not seconds:
        return
    assert row is not None
    if row.failures >= policy.hard:
        raise TooMany(f"{locked_message} {describe_wait(seconds)}", retry_after=seconds)
    raise TooMany(
        f"That was a few wrong tries. Slow down: {describe_wait(seconds)}", retry_after=seconds
    )


def describe_wait(seconds: int) -> str:
    """'Please wait 5 seconds.' or 'Please wait 12 minutes.' in plain words."""
    if seconds < 90:
        return f"Please wait {seconds} second{'s' if seconds != 1 else ''}."
    minutes = math.ceil(seconds / 60)
    return f"Please wait {minutes} minutes."


def record_failure(key: str, policy: Policy, note: str = "") -> int:
    """Count one failure (caller commits) and slow down or lock the key; returns the count.

    The increment is one atomic upsert, so two tablets failing at once both count.
    """
    now = clock.utcnow()
    table = LoginThrottle
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    failures = case(
        (table.last_failure_at < now - policy.window, 1),
        # A lock that ran out leaves a few slowed tries before the next lock, not a fresh start.
        (table.failures >= policy.hard, policy.soft + 1),
        else_=table.failures + 1,
    )
    stmt = (
        insert(table)
        .values(key=key, failures=1, last_failure_at=now, note=note)
        .on_conflict_do_update(
            index_elements=[table.key],
            set_={"failures": failures, "last_failure_at": now, "note": note or table.note},
        )
        .returning(table.failures)
    )
    count = int(db.session.execute(stmt).scalar_one())
    delay = policy.delay(count)
    db.session.execute(
        update(table).where(table.key == key).values(locked_until=now + delay if delay else None)
    )
    return count


def clear(*keys: str) -> None:
    """Forget the failures of these keys (caller commits)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def clear_devices_of_class(classroom_id: int) -> None:
    """Forget the failures of every device last used to sign in to this class (caller commits)."""
    db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key.startswith("device:"),
            LoginThrottle.note == class_key(classroom_id),
        )
    )


def prune(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete rows whose last failure is older than `older_than` and that lock nothing (commits)."""
    now = clock.utcnow()
    table = LoginThrottle
    result = db.session.execute(
        delete(table).where(
            table.last_failure_at < now - older_than,
            (table.locked_until.is_(None)) | (table.locked_until < now),
        )
    )
    db.session.commit()
    return int(result.rowcount or 0)


def locked_until(keys: list[str], policy: Policy) -> dict[str, datetime]:
    """The keys among these that are locked (not merely slowed), with when the lock ends."""
    now = clock.utcnow()
    rows = db.session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(keys), LoginThrottle.failures >= policy.hard)
        .execution_options(populate_existing=True)
    )
    return {r.key: r.locked_until for r in rows if r.locked_until and r.locked_until > now}
