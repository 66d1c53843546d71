"""Headers on every response: CSP without inline script or other origins, and friends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exchange import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_has_a_strict_content_security_policy(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "http" not in csp, "no outside origin is allowed"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_are_not_cached(world, as_user):
    response = as_user(world.teacher_a).get("/")
    assert "no-store" in response.headers["Cache-Control"]


def test_hsts_is_sent_outside_development(database_url, tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ASYNC_MODE": "threading",
        }
    )
    response = app.test_client().get("/healthz")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_development_does_not_send_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_templates_have_no_inline_script_or_style_attributes():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for needle in ("<script>", "<script >", " style=", " onclick=", " onload=", "javascript:"):
            if needle in text:
                offenders.append(f"{template.relative_to(ROOT)}: {needle.strip()}")
    assert offenders == []


@pytest.mark.slow
def test_bandit_finds_nothing_of_high_severity():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "exchange", "-lll", "-f", "txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
