"""Operations: logging, health and readiness, metrics, graceful shutdown, proxy headers."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from exchange.extensions import csrf
from exchange.ops import errors, health, metrics, shutdown
from exchange.ops.logs import init_logging, init_request_logging

__all__ = ["init_logging", "init_ops"]


def init_ops(app: Flask) -> None:
    """Register the operations endpoints and hooks (after the areas, so they see every route)."""
    csrf.exempt(health.bp)
    app.register_blueprint(health.bp)
    metrics.init_metrics(app)
    init_request_logging(app)
    errors.init_errors(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx: the client's address and scheme come from X-Forwarded-*, so rate limits
        # count each browser, not the proxy. Wraps Socket.IO's middleware too.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    shutdown.install(app)
