"""Browser tests: Playwright's Python package driving Debian's Chromium against a real server.

Chromium comes from Debian (`apt-get install chromium`, done by `make setup`); Playwright's own
browser download does not work here. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.servers import ServerProcess, session_cookie

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 768}


def chromium_path() -> str | None:
    """Debian's Chromium binary, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is required under CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Flask, database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real gevent server process sharing the test's database and upload folder."""
    server = ServerProcess(
        database_url,
        env={"UPLOAD_DIR": app.config["UPLOAD_DIR"]},
        log_path=tmp_path / "server.log",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Pages:
    """Opens pages as a given user, each in its own browser context (own cookies)."""

    def __init__(self, browser: Any, app: Flask, server: ServerProcess) -> None:
        self.browser, self.app, self.server = browser, app, server
        self.contexts: list[Any] = []
        self.requests_elsewhere: list[str] = []
        self.console_errors: list[str] = []

    def context(self, actor: Any = None, viewport: dict[str, int] | None = None) -> Any:
        """A fresh browser context, signed in as `actor` when given."""
        context = self.browser.new_context(viewport=viewport or LAPTOP, base_url=self.server.url)
        if actor is not None:
            cookie = self.app.config.get("SESSION_COOKIE_NAME", "session")
            context.add_cookies(
                [
                    {
                        "name": cookie,
                        "value": session_cookie(self.app, actor),
                        "url": self.server.url,
                        "httpOnly": True,
                        "sameSite": "Lax",
                    }
                ]
            )
        context.on("request", self._watch_request)
        self.contexts.append(context)
        return context

    def page(
        self, actor: Any = None, path: str = "/", viewport: dict[str, int] | None = None
    ) -> Any:
        """A new page for `actor`, opened at `path`."""
        page = self.context(actor, viewport).new_page()
        page.on("console", self._watch_console)
        if path:
            page.goto(path)
        return page

    def _watch_request(self, request: Any) -> None:
        if not request.url.startswith((self.server.url, "data:", "blob:", "about:")):
            self.requests_elsewhere.append(request.url)

    def _watch_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def close(self) -> None:
        """Close every context."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, app: Flask, live_server: ServerProcess) -> Iterator[Pages]:
    """Open pages as any user against the live server; nothing may load from another origin."""
    opened = Pages(browser, app, live_server)
    yield opened
    opened.close()
    assert opened.requests_elsewhere == [], "pages must load nothing from another origin"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list:
    """axe-core audit run in the page; returns serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"])}
        for v in results.response["violations"]
        if v.get("impact") in impacts
    ]


OVERFLOW_SCRIPT = """
() => {
  const doc = document.documentElement;
  const problems = [];
  if (doc.scrollWidth > window.innerWidth + 1) {
    problems.push(`page scrolls sideways: ${doc.scrollWidth}px > ${window.innerWidth}px`);
  }
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, [aria-hidden="true"]')) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (rect.right > window.innerWidth + 1 && style.position !== 'fixed') {
      problems.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} `
        + `overflows to ${Math.round(rect.right)}px`);
    }
    const clips = ['hidden', 'clip'].includes(style.overflowX);
    const scrolls = ['auto', 'scroll'].indexOf(style.overflowX) >= 0;
    if (!clips && !scrolls && el.scrollWidth > el.clientWidth + 2
        && el.clientWidth > 0 && !['HTML', 'BODY'].includes(el.tagName)) {
      problems.push(`${el.tagName.toLowerCase()}.${el.className} content wider than its box`);
    }
  }
  return problems.slice(0, 20);
}
"""


def layout_problems(page: Any) -> list[str]:
    """Elements that overflow the viewport or their own box (nothing may overlap or overflow)."""
    return page.evaluate(OVERFLOW_SCRIPT)


# px: WCAG 2.2's 2.5.5 (enhanced, AAA) for pupils' pages, 2.5.8 (minimum, AA) for everyone else.
PUPIL_TARGET, STAFF_TARGET = 44, 24

TARGETS_SCRIPT = """
([least, spacing]) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [tabindex]:not([tabindex="-1"])';
  const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} `
    + `"${(el.innerText || el.value || el.name || el.getAttribute('aria-label') || '').trim()
        .replace(/\\s+/g, ' ').slice(0, 40)}"`;
  // A link inside a sentence is exempt (2.5.5 / 2.5.8 "inline"): its size is the text's.
  const inline = (el) => el.tagName === 'A' && getComputedStyle(el).display === 'inline'
    && el.parentElement
    && el.parentElement.innerText.trim().length > el.innerText.trim().length;
  const targets = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, [hidden], [aria-hidden="true"]')) continue;
    if (inline(el)) continue;
    const r = el.getBoundingClientRect();
    // Parked off-screen until focused (the skip link): measured when it shows, not here.
    if (r.right <= 0 || r.bottom + window.scrollY <= 0 || r.width <= 1) continue;
    let box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    // A checkbox, radio or file input is operated through its label too: the union counts.
    const label = (el.labels && el.labels[0]) || null;
    if (label && ['checkbox', 'radio', 'file'].includes(el.type)) {
      const l = label.getBoundingClientRect();
      box = {left: Math.min(r.left, l.left), top: Math.min(r.top, l.top),
             right: Math.max(r.right, l.right), bottom: Math.max(r.bottom, l.bottom)};
    }
    targets.push({el, box, width: box.right - box.left, height: box.bottom - box.top});
  }
  const small = targets.filter(t => t.width < least - 0.5 || t.height < least - 0.5);
  const centre = (t) => [(t.box.left + t.box.right) / 2, (t.box.top + t.box.bottom) / 2];
  const related = (a, b) => a.el.contains(b.el) || b.el.contains(a.el)
    || (a.el.labels && [...a.el.labels].some(l => l.contains(b.el)));
  // 2.5.8's spacing exception: an undersized target passes when a circle of `least` px on its
  // centre meets no other target and no other undersized target's circle.
  const spaced = (t) => {
    const [x, y] = centre(t), radius = least / 2;
    return targets.every(o => {
      if (o === t || related(o, t)) return true;
      const dx = Math.max(o.box.left - x, 0, x - o.box.right);
      const dy = Math.max(o.box.top - y, 0, y - o.box.bottom);
      if (Math.hypot(dx, dy) < radius) return false;
      if (!small.includes(o)) return true;
      const [ox, oy] = centre(o);
      return Math.hypot(ox - x, oy - y) >= 2 * radius;
    });
  };
  return small.filter(t => !(spacing && spaced(t)))
    .map(t => `${describe(t.el)} ${Math.round(t.width)}x${Math.round(t.height)}px`)
    .slice(0, 20);
}
"""


def small_targets(page: Any, least: int) -> list[str]:
    """Visible interactive controls (links outside sentences, buttons, fields, summaries ...)
    narrower or lower than `least` px, whatever the pointer. Below 44 px (WCAG 2.2's 2.5.8,
    minimum) an undersized target far enough from the others passes; pupils' 44 px (2.5.5,
    enhanced) has no such exception."""
    return page.evaluate(TARGETS_SCRIPT, [least, least < PUPIL_TARGET])
