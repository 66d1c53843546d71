"""Pages of the moderation area: the teacher's queue, items, logs, reports, watch list and
safeguarding. Each module adds its routes to `bp` on import."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from exchange.moderation.views import district, items, logs, queue, safeguarding  # noqa: E402

__all__ = ["bp", "district", "items", "logs", "queue", "safeguarding"]
