"""Security headers on every response."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from exchange.accounts import sessions

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def refuse_nameless_form_parts() -> None:
    """A multipart part without a name becomes a None key in request.form, which CSRF
    checking (Flask-WTF iterates the keys) and form handling would trip over with a 500:
    refuse the request plainly instead."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.mimetype not in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        return None
    if all(isinstance(key, str) for key in request.form):
        return None
    raise BadRequest("The form was not in the expected form.")


NUL_MESSAGE = "Text in the request contains a NUL character (0x00), which is not allowed."


def refuse_nul_characters() -> Any:
    """No text anyone types contains a NUL character, and PostgreSQL text cannot hold one:
    refuse it in a query, form or JSON body on either engine, with a clear message."""
    values: list[Any] = list(request.args.values())
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            values.append(request.get_json(silent=True))
        elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            values.extend(request.form.values())
    if any(_has_nul(value) for value in values):
        return _refuse(NUL_MESSAGE)
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse(message: str) -> Any:
    """422 with the message: JSON for the API and scripts, the error page for browsers."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": False, "error": "invalid", "message": message}), 422
    return render_template("error.html", status=422, message=message), 422


# Ids are INTEGER columns (32-bit on PostgreSQL); a larger number in a URL matches no route.
ID_MAX = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route, refusing numbers no row can have (SQLite and PostgreSQL
    would fail with a 500 on them)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def _out_of_range(exc: Exception) -> Any:
    """A number no column can hold, or a NUL character PostgreSQL text cannot hold, in a body
    or query: the input's fault, not a 500."""
    from exchange.extensions import db

    db.session.rollback()
    if isinstance(exc, DataError) and _nul_character(exc):
        return _refuse(NUL_MESSAGE)
    if isinstance(exc, DataError) and not _numeric_out_of_range(exc):
        raise exc
    return _refuse("A number in the request is out of range.")


def _nul_character(exc: DataError) -> bool:
    """psycopg refuses a NUL byte in a text parameter before it reaches PostgreSQL."""
    return "NUL (0x00)" in str(exc.orig)


def _numeric_out_of_range(exc: DataError) -> bool:
    """PostgreSQL's "integer out of range" (SQLSTATE 22003)."""
    return getattr(exc.orig, "sqlstate", None) == "22003"


def init_security(app: Flask) -> None:
    """Add the headers the app sends on every response."""
    development = app.config["ENV_NAME"] in {"development", "testing"}
    # First of all before-request hooks: CSRF protection reads the form's keys.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nameless_form_parts)
    app.before_request_funcs[None].insert(1, refuse_nul_characters)
    # Before the areas add their routes, so every <int:...> is bounded.
    app.url_map.converters["int"] = BoundedIntConverter
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(DataError, _out_of_range)

    @app.before_request
    def expire_idle_sessions():  # noqa: ANN202
        """Idle and absolute timeouts, shorter for pupils on shared tablets."""
        sessions.forget_cached_user()  # load the user afresh for this request (tests share `g`)
        if request.path.startswith("/static/") or not current_user.is_authenticated:
            return None
        if not sessions.session_expired(current_user):
            return None
        sessions.end_session()
        message = (
            "Your session ended because it was idle or open for too long. Please sign in again."
        )
        if request.path.startswith("/api/"):
            return jsonify({"ok": False, "error": "session_expired", "message": message}), 401
        flash(message, "info")
        return redirect(url_for("accounts.sign_in"))

    @app.after_request
    def headers(response: Response) -> Response:
        """CSP without inline script or outside origins, and friends."""
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "geolocation=(), microphone=(), camera=(self)"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not development:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response
