"""Domain exceptions, and how HTTP pages, the API and sockets turn them into answers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal a user should understand: it carries a status and a plain-words message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of the refusal."""
        body: dict[str, Any] = {"ok": False, "error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class Invalid(DomainError):
    """The input is wrong; nothing was changed."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """No such thing (or none this user may know about)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """Signed in, but not allowed to do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The thing is not in a state that allows this (already used, not current, duplicate)."""

    status = 409
    code = "conflict"


class Gone(DomainError):
    """The thing existed but can no longer be used (an expired invitation)."""

    status = 410
    code = "gone"


class TooMany(DomainError):
    """Slow down: a rate limit or a sign-in lock."""

    status = 429
    code = "rate_limited"


def wants_json() -> bool:
    """API calls and socket-style clients get JSON; pages get HTML."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def socket_error(exc: Exception) -> dict[str, Any]:
    """The acknowledgement a socket handler returns for a refusal."""
    if isinstance(exc, DomainError):
        return exc.as_dict()
    return {"ok": False, "error": "server_error", "message": "Something went wrong on the server."}


def init_errors(app: Flask) -> None:
    """Register handlers that turn refusals into pages or JSON."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):  # noqa: ANN202
        """A refusal: JSON for the API, a page otherwise."""
        if wants_json():
            return jsonify(exc.as_dict()), exc.status
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202
        """Werkzeug's errors, in the same two shapes."""
        message = exc.description or exc.name
        if exc.code == 413:
            message = "That upload is too large."
        if exc.code == 429:
            message = "Too many requests: please wait a moment and try again."
        if wants_json():
            body: dict[str, Any] = {
                "ok": False,
                "error": (exc.name or "error").lower().replace(" ", "_"),
                "message": message,
            }
            data = getattr(exc, "data", None)
            if isinstance(data, dict) and data.get("messages"):
                body["details"] = data["messages"]
                body["error"] = "invalid"
            return jsonify(body), exc.code or 500
        return render_template("error.html", status=exc.code, message=message), exc.code or 500
