"""Schemathesis against /api/v1/openapi.json: every operation, with generated inputs, signed in as
a teacher and as a pupil (CSRF header included, as the pages' script sends it), straight through
the WSGI app. No answer may be a server error, and every answer must match the document: its
status is documented, its content type is, and its body follows the documented schema.

SCHEMATHESIS_EXAMPLES sets the examples per operation and role (default 5, which still reaches
every operation for each role with its explicit examples and generated ones; 10 and 30 pass too,
at two and six times the cost). The cases below it found are kept as named tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from exchange.extensions import db
from tests import factories
from tests.conftest import sign_in_client

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class Credentials:
    """A signed-in browser's cookie and CSRF token, renewed when a call revoked the session
    (signing out, a password change, two-step set up) so later cases stay signed in."""

    def __init__(self, app: Any, actor: Any) -> None:
        self.app, self.actor = app, actor
        self.version = -1
        self.headers: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        self.renew()

    def renew(self) -> None:
        """Sign in afresh if the account's session version moved on."""
        db.session.refresh(self.actor)
        if self.actor.session_version == self.version and self.actor.active:
            return
        self.actor.active = True
        db.session.commit()
        browser = sign_in_client(self.app, self.actor)
        token = browser.get("/api/v1/session").get_json()["csrf_token"]
        name = self.app.config.get("SESSION_COOKIE_NAME", "session")
        cookie = browser.get_cookie(name).value
        # Cookies go in their own argument: the WSGI transport's client drops a Cookie header.
        self.headers, self.cookies = {"X-CSRFToken": token}, {name: cookie}
        self.version = self.actor.session_version


def _runner(credentials: Credentials) -> Callable[[Any], None]:
    def run(case: Any) -> None:
        credentials.renew()
        response = case.call(headers=credentials.headers, cookies=credentials.cookies)
        db.session.rollback()  # a refused call may leave the shared session mid-transaction
        case.validate_response(response, checks=CHECKS)

    return run


@pytest.mark.parametrize("role", ["teacher_a", "pupil_a"])
def test_every_api_operation_answers_as_documented(csrf_app, role):
    world = factories.make_world()
    credentials = Credentials(csrf_app, world.actor(role))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", csrf_app)
    run = _runner(credentials)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100
    failures: list[str] = []
    for operation in operations:
        test = settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy())(run))
        try:
            test()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them all
            lines = [line for line in str(exc).strip().splitlines() if line.strip()][:8]
            failures.append(f"{operation.label}: " + " | ".join(lines))
    assert not failures, "\n".join(failures)


# ----- what schemathesis found, kept as named cases -----------------------------------------

NAMELESS_PART = (
    b"--BB\r\nContent-Disposition: form-data\r\n\r\nnull\r\n--BB--\r\n",
    "multipart/form-data; boundary=BB",
)


@pytest.mark.parametrize("url", ["/api/v1/links/1/images", "/links/1/space/posts", "/sign-in"])
def test_a_form_part_without_a_name_is_a_plain_refusal_not_a_server_error(csrf_app, url):
    world = factories.make_world()
    browser = sign_in_client(csrf_app, world.teacher_a)
    body, content_type = NAMELESS_PART
    response = browser.post(url, data=body, content_type=content_type)
    assert response.status_code == 400
    assert "not in the expected form" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/posts/99999999999999999999", "/posts/99999999999999999999/card", "/links/2147483648"],
)
def test_ids_no_row_can_have_match_no_route(as_user, world, url):
    assert as_user(world.teacher_a).get(url).status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/links/{link}/space?before=99999999999999999999", None),
        ("post", "/api/v1/queue/approve-many", {"item_ids": [99999999999999999999]}),
        ("put", "/api/v1/posts/{post}/reactions/star", None),
    ],
    ids=["query", "body", "path-then-lookup"],
)
def test_numbers_out_of_range_in_queries_and_bodies_are_refused_plainly(
    as_user, world, method, url, body
):
    from tests.space.conftest import send_post

    post = send_post(world.teacher_a, world.link)
    target = url.format(link=world.link.id, post=post.id)
    response = getattr(as_user(world.teacher_a), method)(target, json=body)
    assert response.status_code < 500
