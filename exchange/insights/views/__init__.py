"""Pages of the insights area: dashboards, a link's page, surveys, the end-of-year report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insights", __name__)

# Each module adds its routes to `bp` on import.
from exchange.insights.views import health, pupils, report, voice  # noqa: E402

__all__ = ["bp", "health", "pupils", "report", "voice"]
