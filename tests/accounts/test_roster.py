"""A class's roster: pupils, credentials, consent, locks and login cards (services)."""

from __future__ import annotations

import pytest

from exchange.accounts import credentials, services, throttle
from exchange.accounts.models import CredentialKind, Pupil
from exchange.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from exchange.extensions import db

DEVICE = "device-for-tests-0001"


def test_teacher_adds_a_pupil_with_a_pin_shown_once(world):
    issued = services.add_pupil(world.teacher_a, world.class_a.id, "lily  b", "pin")
    assert issued.pupil.display_name == "Lily B."
    assert len(issued.secret) == 4 and issued.secret.isdigit()
    assert issued.secret not in (issued.pupil.credential_hash or "")
    pupil = services.sign_in_pupil("oak5a", issued.pupil.id, issued.secret, DEVICE)
    assert pupil.id == issued.pupil.id


def test_picture_password_is_three_different_pictures(world):
    issued = services.add_pupil(world.teacher_a, world.class_a.id, "Sam T", "picture")
    assert len(set(issued.pictures)) == 3
    assert set(issued.pictures) <= set(credentials.PICTURES)
    typed = ", ".join(p.upper() for p in issued.pictures)
    assert services.sign_in_pupil("OAK5A", issued.pupil.id, typed, DEVICE).id == issued.pupil.id


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Aisha Khan", Invalid),  # a surname
        ("aisha.k@example.org", Invalid),  # an email
        ("Aisha K.", Conflict),  # already in the class
        ("", Invalid),
    ],
)
def test_bad_pupil_names_are_refused_and_nothing_is_added(world, name, error):
    before = db.session.query(Pupil).count()
    with pytest.raises(error):
        services.add_pupil(world.teacher_a, world.class_a.id, name)
    assert db.session.query(Pupil).count() == before


def test_partner_teacher_cannot_touch_the_roster(world):
    with pytest.raises(NotFound):
        services.add_pupil(world.teacher_b, world.class_a.id, "Eve S")
    with pytest.raises(NotFound):
        services.reset_credential(world.teacher_b, world.pupil_a.id)
    with pytest.raises(Forbidden):
        services.reset_credential(world.facilitator, world.pupil_a.id)


def test_reset_gives_a_new_credential_and_ends_the_pupils_sessions(world):
    version = world.pupil_a.session_version
    issued = services.reset_credential(world.teacher_a, world.pupil_a.id, "picture")
    assert world.pupil_a.credential_kind == CredentialKind.PICTURE
    assert world.pupil_a.session_version == version + 1
    with pytest.raises(Invalid):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, issued.secret, DEVICE)


def test_disabled_pupil_cannot_sign_in_and_is_signed_out(world):
    version = world.pupil_a.session_version
    services.set_pupil_active(world.teacher_a, world.pupil_a.id, False)
    assert world.pupil_a.session_version == version + 1
    with pytest.raises(NotFound):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
    classroom, names = services.pupils_for_sign_in("OAK5A", DEVICE)
    assert world.pupil_a not in names and world.pupil_a2 in names


def test_consent_is_recorded(world):
    pupil = services.set_consent(world.teacher_a, world.pupil_a.id, photo=True, work=False)
    assert (pupil.consent_photo, pupil.consent_work) == (True, False)


def test_printing_cards_issues_new_tokens_and_revokes_old_ones(world):
    first = services.issue_cards(world.teacher_a, world.class_a.id)
    assert {c.pupil for c in first} == {world.pupil_a, world.pupil_a2}
    token = next(c.token for c in first if c.pupil == world.pupil_a)
    assert len(token) >= 16
    assert services.sign_in_with_card(token, DEVICE) == world.pupil_a
    services.issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a.id])
    with pytest.raises(NotFound, match="no longer works"):
        services.sign_in_with_card(token, DEVICE)


def test_cards_with_new_credentials_carry_them(world):
    cards = services.issue_cards(
        world.teacher_a, world.class_a.id, [world.pupil_a2.id], reset_credentials=True
    )
    assert cards[0].credential is not None
    pin = cards[0].credential.secret
    assert services.sign_in_pupil("OAK5A", world.pupil_a2.id, pin, DEVICE) == world.pupil_a2


def test_cards_only_for_pupils_of_the_class(world):
    with pytest.raises(Invalid):
        services.issue_cards(world.teacher_a, world.class_a.id, [world.pupil_b.id])


def test_revoked_card_stops_working(world):
    token = services.issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a.id])[0].token
    services.revoke_card(world.teacher_a, world.pupil_a.id)
    with pytest.raises(NotFound):
        services.sign_in_with_card(token, DEVICE)


def test_teacher_sees_and_lifts_a_pupils_lock(world, clock):
    for attempt in range(throttle.PUPIL.hard):
        with pytest.raises(Invalid):
            device = f"device-{attempt:02d}-abcdefgh"
            services.sign_in_pupil("OAK5A", world.pupil_a.id, "0000", device)
        clock.advance(seconds=throttle.PUPIL.max_delay_seconds)
    rows = {r.pupil: r for r in services.roster(world.teacher_a, world.class_a.id)}
    assert rows[world.pupil_a].locked_until is not None
    assert rows[world.pupil_a2].locked_until is None
    with pytest.raises(TooMany, match="ask your teacher to unlock you"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
    services.unlock_pupil(world.teacher_a, world.pupil_a.id)
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE) == world.pupil_a
