"""Accounts: districts, schools, classes, staff, pupils, links, sign-in."""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, request, url_for

from exchange.errors import wants_json


def register(app: Flask) -> None:
    """Register this area's pages, API, commands and navigation (sockets register on import).

    The imports live here so that `from exchange.accounts.models import ...` stays light and
    other areas' models can import ours without pulling in every view and service.
    """
    from exchange import extensions
    from exchange.accounts import api, cli, navigation, sessions, sockets, views  # noqa: F401
    from exchange.accounts.device import init_device_cookie
    from exchange.accounts.filters import init_filters

    app.register_blueprint(views.bp)
    extensions.api.register_blueprint(api.blp)
    cli.init_cli(app)
    init_device_cookie(app)
    init_filters(app)

    @app.before_request
    def load_user_afresh() -> None:
        """Every request checks its session cookie again (revocation takes effect at once)."""
        sessions.forget_cached_user()

    @extensions.login_manager.unauthorized_handler
    def unauthorized():  # noqa: ANN202
        """Not signed in: 401 JSON for the API, the sign-in page for pages."""
        if wants_json():
            body = {"ok": False, "error": "unauthenticated", "message": "Please sign in."}
            return jsonify(body), 401
        flash("Please sign in to see that page.", "info")
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


__all__ = ["register"]
