"""Sign-in rules: staff passwords, pupils' credentials, cards and throttling (services)."""

from __future__ import annotations

import pytest

from exchange.accounts import passwords, services, throttle
from exchange.accounts.models import LoginThrottle, Role
from exchange.errors import Conflict, Invalid, NotFound, TooMany
from exchange.extensions import db
from tests import factories

DEVICE = "tablet-one-0123456789"
OTHER_DEVICE = "tablet-two-0123456789"


def wrong_pin(world, pupil, device=DEVICE, code="OAK5A"):
    with pytest.raises(Invalid, match="not the right PIN"):
        services.sign_in_pupil(code, pupil.id, "0000", device)


def test_staff_sign_in_checks_email_and_password(world):
    assert services.sign_in_staff(" A@Example.org ", factories.PASSWORD) == world.teacher_a
    with pytest.raises(Invalid, match="do not match"):
        services.sign_in_staff("a@example.org", "wrong password")
    with pytest.raises(Invalid, match="do not match"):
        services.sign_in_staff("nobody@example.org", factories.PASSWORD)


def test_staff_failures_slow_down_then_lock_only_that_account(world, clock):
    for _ in range(throttle.STAFF.soft):
        with pytest.raises(Invalid):
            services.sign_in_staff("a@example.org", "wrong password")
    with pytest.raises(Invalid):
        services.sign_in_staff("a@example.org", "wrong password")
    with pytest.raises(TooMany, match="Slow down: Please wait 2 seconds"):
        services.sign_in_staff("a@example.org", factories.PASSWORD)
    # The colleague down the corridor (same school, same IP) is not affected.
    assert services.sign_in_staff("b@example.org", factories.PASSWORD) == world.teacher_b
    for _ in range(throttle.STAFF.hard - throttle.STAFF.soft - 1):
        clock.advance(seconds=61)
        with pytest.raises(Invalid):
            services.sign_in_staff("a@example.org", "wrong password")
    clock.advance(minutes=14)
    with pytest.raises(TooMany, match="Too many wrong passwords.*Please wait 60 seconds"):
        services.sign_in_staff("a@example.org", factories.PASSWORD)
    clock.advance(minutes=1, seconds=1)
    assert services.sign_in_staff("a@example.org", factories.PASSWORD) == world.teacher_a
    assert db.session.get(LoginThrottle, throttle.staff_key(world.teacher_a.id)) is None


def test_disabled_staff_cannot_sign_in(world):
    world.teacher_a.active = False
    db.session.commit()
    with pytest.raises(Invalid):
        services.sign_in_staff("a@example.org", factories.PASSWORD)


def test_pupil_is_slowed_after_a_few_mistakes_then_locked(world, clock):
    for _ in range(throttle.PUPIL.soft):
        wrong_pin(world, world.pupil_a)
    wrong_pin(world, world.pupil_a)
    with pytest.raises(TooMany, match="wait 2 seconds"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
    # Another pupil on the same tablet is not slowed by Aisha's mistakes.
    assert services.sign_in_pupil("OAK5A", world.pupil_a2.id, "4826", DEVICE) == world.pupil_a2
    for _ in range(throttle.PUPIL.hard - throttle.PUPIL.soft - 1):
        clock.advance(seconds=61)
        wrong_pin(world, world.pupil_a, OTHER_DEVICE)
    clock.advance(minutes=10)
    with pytest.raises(TooMany, match="ask your teacher to unlock you. Please wait 5 minutes"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", OTHER_DEVICE)
    clock.advance(minutes=5)
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE) == world.pupil_a


def test_a_device_guessing_across_pupils_is_locked(world, clock):
    count = throttle.DEVICE.hard
    pupils = [factories.make_pupil(world.class_a, f"Kid{i} X.") for i in range(count)]
    db.session.commit()
    for pupil in pupils:
        wrong_pin(world, pupil)
        clock.advance(seconds=61)
    with pytest.raises(TooMany, match="on this device"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", OTHER_DEVICE)
    services.unlock_class(world.teacher_a, world.class_a.id)
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)


def test_a_class_code_under_attack_is_locked_until_the_teacher_unlocks(world, clock):
    pupils = [factories.make_pupil(world.class_a, f"Kid{i} Y.") for i in range(throttle.CLASS.hard)]
    db.session.commit()
    for n, pupil in enumerate(pupils):
        wrong_pin(world, pupil, device=f"device-{n:03d}-abcdefghijk")
        clock.advance(seconds=61)
    assert services.class_locked_until(world.class_a) is not None
    with pytest.raises(TooMany, match="in this class"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
    # Other classes are not affected.
    assert services.sign_in_pupil("MOOR5K", world.pupil_b.id, "4826", DEVICE) == world.pupil_b
    services.unlock_class(world.teacher_a, world.class_a.id)
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE) == world.pupil_a


def test_unknown_class_code_is_refused_and_counted_on_the_device(world):
    with pytest.raises(NotFound, match="no class with the code NOPE42"):
        services.pupils_for_sign_in("nope-42", DEVICE)
    assert db.session.get(LoginThrottle, throttle.device_key(DEVICE)).failures == 1


def test_pupil_of_another_class_cannot_sign_in_through_this_code(world):
    with pytest.raises(NotFound, match="not in Class 5A"):
        services.sign_in_pupil("OAK5A", world.pupil_b.id, "4826", DEVICE)


def test_pupil_sign_in_needs_a_device_id(world):
    with pytest.raises(Invalid, match="cookies"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", "")


def test_malformed_secret_counts_as_a_wrong_try(world):
    with pytest.raises(Invalid):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "12", DEVICE)
    assert db.session.get(LoginThrottle, throttle.pupil_key(world.pupil_a.id)).failures == 1


def test_password_change_checks_the_current_one_and_ends_other_sessions(world):
    version = world.teacher_a.session_version
    with pytest.raises(Invalid, match="current password"):
        services.change_password(world.teacher_a, "not it", "a brand new passphrase")
    with pytest.raises(Invalid, match="too common"):
        services.change_password(world.teacher_a, factories.PASSWORD, "password123")
    with pytest.raises(Invalid, match="at least 8"):
        services.change_password(world.teacher_a, factories.PASSWORD, "short")
    services.change_password(world.teacher_a, factories.PASSWORD, "a brand new passphrase")
    assert world.teacher_a.session_version == version + 1
    assert services.sign_in_staff("a@example.org", "a brand new passphrase")


def test_sign_out_ends_every_session_of_the_account(world):
    version = world.pupil_a.session_version
    services.sign_out(world.pupil_a)
    assert world.pupil_a.session_version == version + 1


def test_passwords_are_never_truncated(world):
    long = "x" * 80 + " unique tail one"
    services.change_password(world.teacher_a, factories.PASSWORD, long)
    with pytest.raises(Invalid):
        services.sign_in_staff("a@example.org", "x" * 80 + " unique tail two")
    assert services.sign_in_staff("a@example.org", long) == world.teacher_a


@pytest.mark.parametrize(
    "password",
    ["Password1", "QWERTY123", "iloveyou 1", "aaaaaaaaaa", "ababababab", "short1", "a@example.org"],
)
def test_password_policy_refuses_weak_passwords(password):
    with pytest.raises(Invalid):
        passwords.check_password_policy(password, email="a@example.org")


def test_create_admin_refuses_duplicates(app):
    admin = services.create_admin("root@example.org", "a long admin passphrase")
    assert admin.role == Role.ADMIN
    with pytest.raises(Conflict):
        services.create_admin("ROOT@example.org", "a long admin passphrase")


def test_old_mistakes_are_forgotten_after_an_hour(world, clock):
    for _ in range(throttle.PUPIL.soft):
        wrong_pin(world, world.pupil_a)
    clock.advance(hours=1, seconds=1)
    wrong_pin(world, world.pupil_a)
    assert db.session.get(LoginThrottle, throttle.pupil_key(world.pupil_a.id)).failures == 1
    assert services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE) == world.pupil_a


def test_after_a_lock_runs_out_a_few_slowed_tries_come_before_the_next_lock(world, clock):
    for _ in range(throttle.PUPIL.hard):
        wrong_pin(world, world.pupil_a, OTHER_DEVICE)
        clock.advance(seconds=61)
    clock.advance(minutes=15)
    wrong_pin(world, world.pupil_a, OTHER_DEVICE)
    row = db.session.get(LoginThrottle, throttle.pupil_key(world.pupil_a.id))
    assert row.failures == throttle.PUPIL.soft + 1
    with pytest.raises(TooMany, match="Slow down"):
        services.sign_in_pupil("OAK5A", world.pupil_a.id, "4826", DEVICE)
