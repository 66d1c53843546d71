"""Socket.IO handlers of the insights area."""

from __future__ import annotations
