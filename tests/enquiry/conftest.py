"""Fixtures for the enquiry board: an open enquiry on the standard world's link."""

from __future__ import annotations

import pytest

from tests.enquiry.walk import open_board


@pytest.fixture
def board(world):
    """An enquiry teacher A opened on the link between classes A and B, at the ground rules."""
    return open_board(world)
