"""Every main page, for the person who uses it, at tablet (768 px) and laptop (1366 px) width.

Each page gets a screenshot (test-artifacts/screenshots/<page>-<width>.png), an axe-core audit
with no serious or critical violations, no overflow, and a keyboard check: Tab reaches the page's
main action and every element focused on the way shows a visible focus ring, and target sizes:
every interactive control on a pupil's page (and the sign-in pages pupils use) at least 44x44 px
whatever the pointer (WCAG 2.2's 2.5.5, enhanced), at least 24x24 px everywhere else (2.5.8).

One server and one set of data serve the whole module (a server per page would be most of the
time on a loaded machine); the pages only read, so they cannot disturb each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from exchange.accounts.roster import issue_cards
from exchange.enquiry import services as enquiry
from exchange.enquiry.models import Step
from exchange.extensions import db
from exchange.insights.models import Survey, SurveyRound
from exchange.rooms.events import services as events
from exchange.rooms.events import stage
from tests import factories
from tests.browser.support import (
    LAPTOP,
    PUPIL_TARGET,
    STAFF_TARGET,
    TABLET,
    Pages,
    accessibility_violations,
    layout_problems,
    screenshot,
    small_targets,
)
from tests.conftest import bind_socketio, empty_database
from tests.enquiry.walk import open_board, step, walk_to
from tests.events.conftest import plan_event, ready_showcase
from tests.insights.test_browser import a_year_of_linking
from tests.live.conftest import make_session
from tests.servers import ServerProcess
from tests.space.conftest import send_post, upload

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]
WAIT = 15_000
MAX_TABS = 80
FOCUS_SCRIPT = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
       ? '.' + el.className.trim().replace(/\\s+/g, '.') : '');
  return {name, visible: outline || shadow};
}
"""


@dataclass
class Case:
    """One main page: who opens it, where, and the action Tab must reach."""

    name: str
    who: str
    path: Callable[[Any], str]
    action: str
    prepare: Callable[[Any, Any], None] | None = None
    xfail: dict[int, str] = field(default_factory=dict)


def _pupil_names(page: Any, site: Any) -> None:
    """Type the class code, as a pupil at a shared tablet does."""
    page.get_by_label("Class code").fill(site.world.class_a.code)
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/sign-in/names")


def _pupil_pin(page: Any, site: Any) -> None:
    """Then pick a name: the PIN screen."""
    _pupil_names(page, site)
    page.get_by_role("link", name="Aisha K.").click()
    page.get_by_label("Your PIN").wait_for()


def _make_cards(page: Any, site: Any) -> None:
    """Make the class's login cards (the page a teacher prints)."""
    page.get_by_role("button", name="Make the cards").click()
    page.get_by_role("button", name="Print the cards").wait_for()


def _connected(page: Any, site: Any) -> None:
    """Wait for the real-time connection (the page's live parts are drawn by then)."""
    page.wait_for_selector("[data-connection-status][data-state='connected']", timeout=WAIT)


CASES = [
    Case("sign-in", "nobody", lambda s: "/sign-in", "#class_code"),
    Case("sign-in-names", "nobody", lambda s: "/sign-in", "a:has-text('Aisha K.')", _pupil_names),
    Case("sign-in-pin", "nobody", lambda s: "/sign-in", "button:has-text('Sign in')", _pupil_pin),
    Case("card", "nobody", lambda s: "/card", "a:has-text('Sign in with the class code')"),
    Case(
        "pupil-space",
        "pupil_a",
        lambda s: f"/links/{s.world.link.id}/space",
        "#composer-title",
        _connected,
    ),
    Case("teacher-home", "teacher_a", lambda s: "/", "a.button:has-text('Shared space')"),
    Case(
        "roster",
        "teacher_a",
        lambda s: f"/classes/{s.world.class_a.id}",
        "button:has-text('Add pupil')",
    ),
    Case(
        "login-cards",
        "teacher_a",
        lambda s: f"/classes/{s.world.class_a.id}/cards",
        "button:has-text('Print the cards')",
        _make_cards,
    ),
    Case("queue", "teacher_a", lambda s: "/queue", "article.queue-item button", _connected),
    Case(
        "enquiry-pupil",
        "pupil_b",
        lambda s: f"/enquiries/{s.board.id}",
        "button.vote",
        _connected,
    ),
    Case(
        "enquiry-teacher",
        "teacher_a",
        lambda s: f"/enquiries/{s.board.id}",
        "button:has-text('Close voting')",
        _connected,
    ),
    Case("live-pupil", "pupil_a", lambda s: f"/live/{s.session.id}", "#live-message", _connected),
    Case(
        "live-teacher", "teacher_a", lambda s: f"/live/{s.session.id}", "#live-message", _connected
    ),
    Case(
        "event-console",
        "facilitator",
        lambda s: f"/events/{s.event.id}/console",
        "[data-showcase]",
        _connected,
    ),
    Case(
        "event-screen",
        "pupil_b",
        lambda s: f"/events/{s.event.id}/screen",
        "#shout-text",  # the applause buttons stay disabled until the host opens applause
        _connected,
    ),
    Case(
        "souvenir",
        "teacher_b",
        lambda s: f"/events/{s.ended.id}/souvenir",
        "a:has-text('Back to the event')",
    ),
    Case(
        "district",
        "facilitator",
        lambda s: f"/districts/{s.world.district.id}",
        "button:has-text('Propose link')",
    ),
    Case(
        "insights-dashboard",
        "facilitator",
        lambda s: f"/insights/districts/{s.world.district.id}",
        "a:has-text('End-of-year report')",
    ),
    Case(
        "insights-link",
        "teacher_b",
        lambda s: f"/insights/links/{s.world.link.id}",
        "button:has-text('Mark as done')",
    ),
    Case(
        "pupil-survey",
        "pupil_b",
        lambda s: f"/surveys/{s.survey.id}",
        "main input:not([type=hidden])",
    ),
    Case(
        "privacy",
        "teacher_a",
        lambda s: f"/classes/{s.world.class_a.id}/privacy",
        "a:has-text('Download the class')",
    ),
]


@pytest.fixture(scope="module")
def site(
    shared_app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimpleNamespace]:
    """The data every page needs, in the shared database, and one server for the module."""
    saved = dict(shared_app.config)
    uploads = tmp_path_factory.mktemp("every-page-uploads")
    shared_app.config["UPLOAD_DIR"] = str(uploads)
    bind_socketio(shared_app)
    server = None
    try:
        with shared_app.app_context():
            world = factories.make_world()
            issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a.id])
            a_year_of_linking(world)
            send_post(world.pupil_a, world.link, uploads=[upload()])  # waits in A's queue
            board = open_board(world)
            walk_to(world, board, Step.AIRING)
            board = step(world, board)
            enquiry.configure_voting(world.teacher_a, board.id, method="single")
            enquiry.open_voting(world.teacher_a, board.id)
            session = make_session(world)
            event = plan_event(world, starts_at=factories_now() - timedelta(minutes=1))
            events.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
            events.answer_invitation(world.teacher_b, event.id, world.class_b.id, True)
            ready_showcase(world, event, title="Our bridge poem")
            stage.act(world.facilitator, event.id, "start")
            ended = plan_event(
                world, title="Spring fair", starts_at=factories_now() - timedelta(minutes=30)
            )
            events.answer_invitation(world.teacher_b, ended.id, world.class_b.id, True)
            stage.act(world.facilitator, ended.id, "start")
            stage.act(world.facilitator, ended.id, "end")
            # a_year_of_linking closed the "before" round and published the "after" one
            survey = db.session.query(Survey).filter_by(round=SurveyRound.AFTER).one()
            db.session.commit()
            server = ServerProcess(
                database_url,
                env={"UPLOAD_DIR": str(uploads)},
                log_path=Path(uploads) / "server.log",
            )
            server.start()
            yield SimpleNamespace(
                app=shared_app,
                server=server,
                world=world,
                board=board,
                session=session,
                event=event,
                ended=ended,
                survey=survey,
            )
    finally:
        if server is not None:
            server.stop()
        with shared_app.app_context():
            empty_database()
        shared_app.config.clear()
        shared_app.config.update(saved)


def factories_now() -> Any:
    """The app's notion of now (UTC, naive or aware as the models expect)."""
    from exchange.types import utcnow

    return utcnow()


@pytest.fixture(scope="module")
def module_pages(browser: Any, site: SimpleNamespace) -> Iterator[Pages]:
    """Pages against the module's server; nothing may load from another origin."""
    opened = Pages(browser, site.app, site.server)
    yield opened
    opened.close()
    assert opened.requests_elsewhere == [], "pages must load nothing from another origin"


def _focus_walk(page: Any, action: str) -> tuple[bool, list[str]]:
    """Tab through the page until the main action has focus; report unringed stops."""
    target = page.locator(f"{action} >> visible=true").first
    target.wait_for(state="visible", timeout=WAIT)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.mouse.click(1, 1)  # start from the top of the document, like a fresh keyboard user
    unringed: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_SCRIPT)
        if focused is None:
            continue
        if not focused["visible"]:
            unringed.append(focused["name"])
        if target.evaluate("el => el === document.activeElement"):
            return True, unringed
    return False, unringed


def _least_target(case: Case) -> int:
    """Pupils' pages (and the sign-in pages pupils use) need large targets with any pointer."""
    return PUPIL_TARGET if case.who.startswith("pupil") or case.who == "nobody" else STAFF_TARGET


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768", "1366"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_main_page(module_pages: Pages, site: SimpleNamespace, case: Case, viewport):
    width = viewport["width"]
    if width in case.xfail:
        pytest.xfail(case.xfail[width])
    actor = None if case.who == "nobody" else getattr(site.world, case.who)
    page = module_pages.page(actor, case.path(site), viewport=viewport)
    try:
        if case.prepare is not None:
            case.prepare(page, site)
        page.locator("main").first.wait_for()
        screenshot(page, f"{case.name}-{width}")
        problems = {
            "axe": accessibility_violations(page),
            "layout": layout_problems(page),
        }
        reached, unringed = _focus_walk(page, case.action)
        problems["keyboard"] = [] if reached else [f"Tab never reached {case.action}"]
        problems["focus ring"] = sorted(set(unringed))
        problems["small targets"] = small_targets(page, _least_target(case))
        found = {k: v for k, v in problems.items() if v}
        assert found == {}, case.name
    finally:
        page.context.close()
