"""Command-line tools: create-admin and seed-demo (with its hook for other areas)."""

from __future__ import annotations

import json

import pytest

from exchange.accounts import seed, services, throttle
from exchange.accounts.models import District, LinkStatus, LoginThrottle, Pupil, Role, User
from exchange.extensions import db


@pytest.fixture
def cli(app, tmp_path):
    """The CLI runner with the instance folder (where demo logins are kept) in a temp dir."""
    app.instance_path = str(tmp_path)
    return app.test_cli_runner()


def seed_json(cli, *args):
    result = cli.invoke(args=["seed-demo", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_create_admin_with_a_password_option(cli):
    result = cli.invoke(
        args=["create-admin", "--email", "Root@Example.org", "--password", "quiet harbour lamp"]
    )
    assert result.exit_code == 0 and "Admin root@example.org created." in result.output
    admin = db.session.query(User).filter_by(email="root@example.org").one()
    assert admin.role == Role.ADMIN and admin.password_hash.startswith("$argon2id$")


def test_create_admin_prompts_for_the_password(cli):
    result = cli.invoke(
        args=["create-admin", "--email", "a@x.org"],
        input="quiet harbour lamp\nquiet harbour lamp\n",
    )
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [("not-an-email", "quiet harbour lamp", "valid email"), ("b@x.org", "password1", "too common")],
)
def test_create_admin_refuses_bad_input(cli, email, password, message):
    result = cli.invoke(args=["create-admin", "--email", email, "--password", password])
    assert result.exit_code != 0 and message in result.output
    assert db.session.query(User).count() == 0


def test_seed_demo_makes_a_linked_district_and_prints_its_logins(cli):
    logins = seed_json(cli)
    assert logins["facilitator"]["email"] == "facilitator@demo.example"
    assert len(logins["teachers"]) == 3
    a, b, c = logins["classes"]
    assert len(a["pupils"]) == 6 and len(b["pupils"]) == 6 and len(c["pupils"]) == 3
    link = services.find_link(db.session.get(User, 1), logins["link_id"])
    assert link.status == LinkStatus.ACTIVE and {link.class_a_id, link.class_b_id} == {
        a["id"],
        b["id"],
    }
    # Every printed login works.
    assert services.sign_in_staff(logins["facilitator"]["email"], logins["facilitator"]["password"])
    for teacher in logins["teachers"]:
        assert services.sign_in_staff(teacher["email"], teacher["password"])
    pupil = a["pupils"][0]
    assert services.sign_in_pupil(a["code"], pupil["id"], pupil["pin"], "demo-device-1234567")


def test_seed_demo_plain_text_names_every_role(cli):
    result = cli.invoke(args=["seed-demo"])
    for text in [
        "facilitator@demo.example",
        "teacher.a@demo.example",
        "admin@demo.example",
        "code ",
        "Aisha K.",
    ]:
        assert text in result.output


def test_seed_demo_again_prints_the_same_logins_and_adds_nothing(cli):
    first = seed_json(cli)
    counts = (db.session.query(District).count(), db.session.query(Pupil).count())
    assert seed_json(cli) == first
    assert (db.session.query(District).count(), db.session.query(Pupil).count()) == counts


def test_seed_demo_reset_rebuilds_with_new_logins(cli):
    first = seed_json(cli)
    second = seed_json(cli, "--reset", "--yes")
    assert second["facilitator"]["password"] != first["facilitator"]["password"]
    assert db.session.query(District).count() == 1


def test_seed_demo_without_its_saved_logins_says_how_to_rebuild(cli, tmp_path):
    seed_json(cli)
    (tmp_path / seed.LOGINS_FILE).unlink()
    result = cli.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "--reset" in result.output


def test_saved_logins_are_private_to_the_user(cli, tmp_path):
    seed_json(cli)
    assert (tmp_path / seed.LOGINS_FILE).stat().st_mode & 0o077 == 0


def test_other_areas_add_demo_content_through_the_hook(cli):
    seen = {}

    @seed.demo_seeder(order=5)
    def record(demo: seed.Demo) -> None:
        seen["link"] = demo.link.id
        seen["pupils"] = len(demo.pupils["a"])
        demo.notes.append("The test seeder ran.")

    try:
        logins = seed_json(cli)
    finally:
        seed._SEEDERS[:] = [s for s in seed._SEEDERS if s[2] is not record]
    assert seen == {"link": logins["link_id"], "pupils": 6}
    assert "The test seeder ran." in logins["notes"]


def test_a_failing_area_seeder_is_named_and_the_logins_are_kept(cli, tmp_path):
    @seed.demo_seeder(order=1)
    def broken(demo: seed.Demo) -> None:
        raise RuntimeError("no such table: example")

    try:
        result = cli.invoke(args=["seed-demo"])
    finally:
        seed._SEEDERS[:] = [s for s in seed._SEEDERS if s[2] is not broken]
    assert result.exit_code != 0
    assert "broken failed: no such table: example" in result.output
    assert json.loads((tmp_path / seed.LOGINS_FILE).read_text())["facilitator"]["email"]


def test_old_sign_in_counters_are_pruned_but_locks_stay(cli, world, clock):
    throttle.record_failure("device:old-one-123456789", throttle.DEVICE)
    for _ in range(throttle.PUPIL.hard):
        throttle.record_failure(throttle.pupil_key(world.pupil_a.id), throttle.PUPIL)
    db.session.commit()
    clock.advance(days=2)
    throttle.record_failure("device:new-one-123456789", throttle.DEVICE)
    lock = db.session.get(LoginThrottle, throttle.pupil_key(world.pupil_a.id))
    lock.locked_until = clock.now + throttle.PUPIL.lock
    db.session.commit()
    result = cli.invoke(args=["prune-sign-in-throttles"])
    assert "Removed 1 old sign-in counter." in result.output
    keys = {row.key for row in db.session.query(LoginThrottle)}
    assert keys == {"device:new-one-123456789", throttle.pupil_key(world.pupil_a.id)}
