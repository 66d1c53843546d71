"""Malformed input never breaks the accounts API: every answer is a JSON refusal, never a 500."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import sign_in_client
from tests.test_authz_matrix import ROUTES, build_cast, fill

GARBAGE = [
    None,
    "not json at all",
    [],
    {"unexpected": 1},
    "NULLS",
    "HUGE",
    "LONG",
    "LISTS",
]
UNSAFE_API = [
    (m, p, b) for m, p, b, _ in ROUTES if p.startswith("/api/") and m in {"POST", "PUT", "PATCH"}
]


def variants(body: dict | None) -> list:
    """Garbage shaped like the route's real body: nulls, huge numbers, long strings, lists."""
    real = body or {"value": 1}
    out = []
    for kind in GARBAGE:
        if kind == "NULLS":
            out.append(dict.fromkeys(real))
        elif kind == "HUGE":
            out.append(dict.fromkeys(real, 10**30))
        elif kind == "LONG":
            out.append(dict.fromkeys(real, "x" * 100_000))
        elif kind == "LISTS":
            out.append({k: [v] for k, v in real.items()})
        else:
            out.append(kind)
    return out


@pytest.mark.parametrize(
    ("method", "path", "body"), UNSAFE_API, ids=[f"{m} {p}" for m, p, _ in UNSAFE_API]
)
def test_garbage_gets_a_json_refusal_not_a_server_error(app, method, path, body):
    cast = build_cast()
    for role in ["admin", "teacher_a", "anonymous"]:
        browser = sign_in_client(app, cast.actor(role))
        url = fill(path, cast.ids)
        for payload in variants(body):
            if isinstance(payload, str):
                response = browser.open(
                    url, method=method, data=payload, content_type="application/json"
                )
            else:
                response = browser.open(url, method=method, json=payload)
            assert response.status_code < 500, (
                role,
                payload if not isinstance(payload, dict) else list(payload),
            )
            assert response.is_json
            if response.status_code >= 400:
                assert response.json["ok"] is False and response.json["message"]


def test_huge_ids_in_paths_are_not_found(as_user, world):
    api = as_user(world.facilitator)
    for path in ["/api/v1/districts/99999999999999999999", "/api/v1/links/4294967296"]:
        assert api.get(path).status_code == 404
    pupil = as_user(world.teacher_a)
    assert pupil.post("/api/v1/pupils/9223372036854775808/unlock").status_code == 404
    assert factories.PIN  # the world's pupils keep their PIN
