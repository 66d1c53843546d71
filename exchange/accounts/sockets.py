"""Socket.IO handlers of the accounts area."""

from __future__ import annotations
