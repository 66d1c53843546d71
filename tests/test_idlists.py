"""`one_of`: the same rows as `IN` on both engines, from any number of ids, none included.
`row_limit`: a LIMIT in the statement's text, which PostgreSQL then plans once."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from exchange.accounts.models import Pupil
from exchange.extensions import db
from exchange.idlists import one_of, row_limit


def _pupils(ids: Iterable[int]) -> set[int]:
    return set(db.session.scalars(select(Pupil.id).where(one_of(Pupil.id, ids))))


def test_one_of_finds_exactly_the_ids_given(world):
    a, a2, b = world.pupil_a.id, world.pupil_a2.id, world.pupil_b.id
    assert _pupils([a, b]) == {a, b}
    assert _pupils([a2]) == {a2}
    assert _pupils(i for i in [a, a, a2]) == {a, a2}  # any iterable, repeats harmless
    assert _pupils([a, 10_000_000]) == {a}  # an id that does not exist matches nothing


def test_one_of_an_empty_list_matches_nothing(world):
    assert _pupils([]) == set()
    assert db.session.scalars(select(Pupil.id).where(~one_of(Pupil.id, []))).all()


def test_row_limit_limits_like_a_number(world):
    ids = sorted([world.pupil_a.id, world.pupil_a2.id, world.pupil_b.id])
    stmt = select(Pupil.id).where(one_of(Pupil.id, ids)).order_by(Pupil.id).limit(row_limit(2))
    assert list(db.session.scalars(stmt)) == ids[:2]
    assert "LIMIT 2" in str(stmt.compile(db.engine))
