"""Every main page renders in Chromium at tablet and laptop width, accessible and within bounds."""

from __future__ import annotations

import pytest

from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_sign_in_page_is_accessible_and_fits(pages, viewport):
    page = pages.page(None, "/sign-in", viewport=viewport)
    screenshot(page, f"sign-in-{viewport['width']}")
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []
