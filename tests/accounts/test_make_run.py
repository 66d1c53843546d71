"""What `make run` does, end to end: migrate a fresh database, seed the demo, serve, sign in."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.servers import ROOT, running_server

pytestmark = pytest.mark.server


def flask(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `flask --app exchange ...` as `make` would."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "exchange", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def test_fresh_database_is_migrated_seeded_and_served_with_working_logins(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "SOCKETIO"))}
    env.update(DATABASE_URL=url, EXCHANGE_ENV="development", ASYNC_MODE="threading")
    flask(["db", "upgrade"], env)
    logins_file = tmp_path / "logins.json"
    seeded = flask(["seed-demo", "--json", "--logins-file", str(logins_file)], env)
    logins = json.loads(seeded.stdout)
    assert json.loads(logins_file.read_text())["link_id"] == logins["link_id"]
    again = flask(["seed-demo", "--logins-file", str(logins_file)], env)
    assert logins["facilitator"]["password"] in again.stdout

    with running_server(url) as server:
        teacher = requests.Session()
        token = teacher.get(server.url + "/api/v1/session", timeout=10).json()["csrf_token"]
        first = logins["teachers"][0]
        answer = teacher.post(
            server.url + "/api/v1/session/staff",
            json={"email": first["email"], "password": first["password"]},
            headers={"X-CSRFToken": token},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        home = teacher.get(server.url + "/", timeout=10).text
        assert first["class"] in home

        tablet = requests.Session()
        token = tablet.get(server.url + "/api/v1/session", timeout=10).json()["csrf_token"]
        klass = logins["classes"][0]
        pupil = klass["pupils"][0]
        answer = tablet.post(
            server.url + "/api/v1/session/pupil",
            json={"class_code": klass["code"], "pupil_id": pupil["id"], "secret": pupil["pin"]},
            headers={"X-CSRFToken": token},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        landing = tablet.get(server.url + "/", allow_redirects=False, timeout=10)
        assert landing.headers["Location"].endswith(f"/links/{logins['link_id']}/space")
