"""Cross-site scripting: every text field pupils and teachers fill, rendered in Chromium.

Each of the payloads in xss_payloads.py (script tags, handlers, javascript: URLs, SVG, srcdoc,
CSS, template injection, encoded variants, broken tags, attribute and script-block breakouts)
is stored in post titles, texts and picture descriptions, comments, enquiry concepts,
questions and contributions, live chat, shout-outs, and pupils' and teachers' display names,
then shown on the pages that show them (space, moderation queue, enquiry board, live session,
event screen, class roster), some of it arriving live over Socket.IO. A page passes when no
payload ran (no dialog, no trapped call), the browser reported no Content-Security-Policy
violation (an escaped payload cannot cause one; an unescaped one would, even if blocked), the
page did not navigate away, nothing loaded from another origin, and every payload's token is on
the page (it was shown, as text).
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from exchange.enquiry import content as enquiry_content
from exchange.enquiry.models import Step
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.rooms.events import services as event_services
from exchange.rooms.events import showcase, stage
from exchange.rooms.live.services import chat
from exchange.space import services as space
from exchange.types import utcnow
from tests import factories
from tests.browser.support import TABLET
from tests.enquiry.walk import open_board, walk_to
from tests.security.test_state_machine import _live_session
from tests.security.xss_payloads import PAYLOADS, TOKENS, packed

pytestmark = pytest.mark.browser

TRAP = """
window.__xss = [];
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sample].join(' '));
}, true);
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + ':' + args.join(',')); };
}
"""


def test_there_are_at_least_fifty_payloads():
    assert len(PAYLOADS) >= 50
    assert len(set(TOKENS)) == len(PAYLOADS)


class Watched:
    """A page with the trap installed and its dialogs counted."""

    def __init__(self, opened: Any, actor: Any, path: str) -> None:
        context = opened.context(actor, TABLET)
        context.add_init_script(TRAP)
        self.page = context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.path = path
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_safe(self, tokens: list[str], where: str) -> None:
        """Nothing ran, nothing was blocked, nothing navigated, and every token is shown."""
        self.page.wait_for_timeout(250)  # let any onerror/onload/ontoggle fire
        assert self.dialogs == [], f"{where}: dialogs {self.dialogs}"
        assert self.page.evaluate("window.__xss") == [], f"{where}: a payload ran"
        assert self.page.evaluate("window.__csp") == [], f"{where}: CSP violations"
        assert self.page.url.endswith(self.path), f"{where}: navigated to {self.page.url}"
        html = self.page.content()
        missing = [t for t in tokens if t not in html]
        assert not missing, f"{where}: payloads not shown: {missing}"

    def wait_for_tokens(self, tokens: list[str]) -> None:
        """Wait until live updates have put every token on the page."""
        self.page.wait_for_function(
            "(tokens) => tokens.every((t) => document.body.innerHTML.includes(t))",
            arg=tokens,
            timeout=8000,
        )

    def api(self, method: str, url: str, body: Any = None) -> dict[str, Any]:
        """Call the JSON API from inside the page, as its script does (CSRF header included)."""
        return self.page.evaluate(
            "([m, u, b]) => Exchange.api(m, u, b === null ? undefined : b)", [method, url, body]
        )


def _picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _short(n: int, limit: int) -> str:
    """Payload n within a column's length, keeping its token."""
    payload = PAYLOADS[n]
    return payload if len(payload) <= limit else f"{TOKENS[n]} {payload}"[:limit]


def _name_pupils(world: factories.World) -> list[Any]:
    """A pupil named after every payload, alternately in classes A and B (written directly:
    the roster refuses such names, the pages must still be safe if one got in)."""
    made = []
    for n in range(len(PAYLOADS)):
        classroom = world.class_a if n % 2 == 0 else world.class_b
        made.append(factories.make_pupil(classroom, _short(n, 40)))
    db.session.commit()
    return made


def _name_teachers(world: factories.World) -> list[Any]:
    """A teacher named after every payload, alternately of classes A and B."""
    made = []
    for n, payload in enumerate(PAYLOADS):
        classroom = world.class_a if n % 2 == 0 else world.class_b
        made.append(factories.make_teacher(classroom, display_name=payload))
    db.session.commit()
    return made


def _show_every_post(page: Any) -> None:
    """Follow each column's "Older posts" until every post is on the page (a screen shows a
    few posts per column; older ones join the column in place)."""
    while page.locator(".older a[data-more]").count():
        shown = page.locator("li.post-slot").count()
        page.locator(".older a[data-more]").first.click()
        page.locator("li.post-slot").nth(shown).wait_for(state="attached", timeout=15_000)


def test_space_queue_and_rosters_show_payloads_as_text(pages, world):
    pupils = _name_pupils(world)
    teachers = _name_teachers(world)
    titles = packed(120, separator=" ")
    assert len(titles) <= 40
    posts = []
    for n, (title, _tokens) in enumerate(titles):
        author = teachers[n]  # alternately class A and B: at most 20 per column
        posts.append(
            space.create_post(author, world.link.id, space.PostDraft(title=title, text="Hello"))
        )
    body, _ = packed(5000)[0]
    space.edit_post(teachers[0], posts[0].id, space.PostDraft(title=titles[0][0], text=body))
    for n, (description, _tokens) in enumerate(packed(300, separator=" ")):
        upload = space.Upload("drawing.png", io.BytesIO(_picture()))
        draft = space.PostDraft(title=f"Picture {n}", text="", picture_description=description)
        space.create_post(teachers[n % 2], world.link.id, draft, [upload])
    for n, pupil in enumerate(pupils):
        comment = space.create_comment(pupil, posts[1].id, PAYLOADS[n])
        teacher = world.teacher_a if n % 2 == 0 else world.teacher_b
        rule.approve(teacher, comment.item_id)
    for text, _tokens in packed(5000):
        space.create_post(world.pupil_a, world.link.id, space.PostDraft(title="Mine", text=text))
    for text, _tokens in packed(1000):
        space.create_comment(world.pupil_a, posts[1].id, text)

    viewer = Watched(pages, world.pupil_b, f"/links/{world.link.id}/space")
    _show_every_post(viewer.page)
    viewer.assert_safe(TOKENS, "the space page")
    # More arrives while the page is open: a teacher's comments and post, over Socket.IO.
    sender = Watched(pages, world.teacher_b, f"/links/{world.link.id}/space")
    for text, _tokens in packed(1000):
        answer = sender.api("POST", f"/api/v1/posts/{posts[2].id}/comments", {"text": text})
        assert answer["status"] == 201, answer
    viewer.wait_for_tokens(TOKENS)
    viewer.assert_safe(TOKENS, "the space page after live comments")

    queue = Watched(pages, world.teacher_a, "/queue")
    queue.assert_safe(TOKENS, "the moderation queue")
    for classroom, teacher in ((world.class_a, world.teacher_a), (world.class_b, world.teacher_b)):
        roster = Watched(pages, teacher, f"/classes/{classroom.id}")
        even = 0 if classroom == world.class_a else 1
        roster.assert_safe(TOKENS[even::2], f"the roster of {classroom.name}")
    sender.assert_safe([], "the sending teacher's page")
    # The detectors work: markup injected past the templates is blocked and reported.
    viewer.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(1)>')"
    )
    viewer.page.wait_for_function("window.__csp.length > 0", timeout=3000)
    assert viewer.page.evaluate("window.__xss") == []


def test_enquiry_board_shows_payloads_as_text(pages, world):
    enquiry = open_board(world)
    walk_to(world, enquiry, Step.CONCEPTS)
    short = [n for n, p in enumerate(PAYLOADS) if len(p) <= enquiry_content.CONCEPT_MAX]
    assert len(short) >= 20
    for n in short:
        enquiry_content.submit_concept(world.teacher_a, enquiry.id, PAYLOADS[n])
    board = Watched(pages, world.pupil_b, f"/enquiries/{enquiry.id}")
    board.assert_safe([TOKENS[n] for n in short], "the board's concepts")

    walk_to(world, enquiry, Step.QUESTIONS)
    for text, _tokens in packed(enquiry_content.QUESTION_MAX, separator=" ", suffix=" ?"):
        item = enquiry_content.submit_question(world.pupil_a, enquiry.id, text)
        enquiry_content.approve_item(world.teacher_a, enquiry.id, item.id)
    board = Watched(pages, world.pupil_b, f"/enquiries/{enquiry.id}")
    board.assert_safe(TOKENS, "the board's questions")

    made = walk_to(world, enquiry, Step.BUILDING)
    assert made is not None
    for text, _tokens in packed(enquiry_content.CONTRIBUTION_MAX):
        enquiry_content.submit_contribution(world.teacher_a, enquiry.id, "prompt", text)
    board = Watched(pages, world.pupil_b, f"/enquiries/{enquiry.id}")
    board.assert_safe(TOKENS, "the board's talk")
    # A pupil's contribution approved while the board is open arrives live.
    texts = packed(enquiry_content.CONTRIBUTION_MAX)
    teacher_page = Watched(pages, world.teacher_a, f"/enquiries/{enquiry.id}")
    for text, _tokens in texts:
        item = enquiry_content.submit_contribution(world.pupil_a, enquiry.id, "example", text)
        answer = teacher_page.api(
            "POST", f"/api/v1/enquiries/{enquiry.id}/items/{item.id}/approve", None
        )
        assert answer["ok"], answer
    board.wait_for_tokens(TOKENS)
    board.assert_safe(TOKENS, "the board after live contributions")


def test_live_session_chat_shows_payloads_as_text(pages, world, app):
    app.config["LIVE_RATE_CHAT"] = (1000, 0.01)
    session = _live_session(world)
    for n, text_tokens in enumerate(packed(chat.MESSAGE_MAX, separator=" ")):
        text = text_tokens[0]
        if n % 2:
            chat.send_message(world.teacher_b, session.id, text)
        else:
            ack = chat.send_message(world.pupil_a, session.id, text)
            rule.approve(world.teacher_a, ack["item_id"])
    screen = Watched(pages, world.pupil_b, f"/live/{session.id}")
    screen.assert_safe(TOKENS, "the live session")
    teacher = Watched(pages, world.teacher_a, f"/live/{session.id}")
    for text, _tokens in packed(chat.MESSAGE_MAX, separator=" "):
        answer = teacher.api("POST", f"/api/v1/live/sessions/{session.id}/messages", {"text": text})
        assert answer["ok"], answer
    screen.wait_for_tokens(TOKENS)
    screen.assert_safe(TOKENS, "the live session after live chat")
    teacher.assert_safe(TOKENS, "the teacher's live page")


def test_event_screen_shows_shoutouts_as_text(pages, world):
    starts = utcnow() - timedelta(minutes=5)
    event = event_services.create_event(
        world.facilitator,
        title=PAYLOADS[0],
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        description="\n".join(PAYLOADS[:20]),
    )
    event_services.invite(world.facilitator, event.id, link_ids=[world.link.id])
    event_services.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
    event_services.answer_invitation(world.teacher_b, event.id, world.class_b.id, True)
    stage.act(world.facilitator, event.id, "start")
    texts = packed(showcase.SHOUTOUT_MAX, separator=" ")
    half = len(texts) // 2
    for text, _tokens in texts[:half]:
        shout = showcase.send_shoutout(world.pupil_a, event.id, text)
        rule.approve(world.teacher_a, shout.item_id)
        rule.approve(world.facilitator, shout.item_id)
    early = [t for _text, tokens in texts[:half] for t in tokens]
    screen = Watched(pages, world.pupil_b, f"/events/{event.id}/screen")
    screen.assert_safe(early, "the event screen")
    console = Watched(pages, world.facilitator, f"/events/{event.id}/console")
    for text, _tokens in texts[half:]:
        shout = showcase.send_shoutout(world.pupil_a, event.id, text)
        rule.approve(world.teacher_a, shout.item_id)
        answer = console.api("POST", f"/api/v1/items/{shout.item_id}/approve", {})
        assert answer["ok"], answer
    late = [t for _text, tokens in texts[half:] for t in tokens]
    screen.wait_for_tokens(late)
    screen.assert_safe(early + late, "the event screen after live shout-outs")
    console.assert_safe([], "the facilitator's console")
