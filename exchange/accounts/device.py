"""The device id: a random cookie that lets sign-in throttling tell class tablets apart."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

from exchange.accounts.signin import valid_device_id

DEVICE_COOKIE = "exchange_device"
ONE_YEAR = 365 * 24 * 3600


def device_id() -> str:
    """This browser's device id, made on first use (the cookie is set on the response)."""
    existing = request.cookies.get(DEVICE_COOKIE)
    if valid_device_id(existing):
        return existing  # type: ignore[return-value]
    if "new_device_id" not in g:
        g.new_device_id = secrets.token_urlsafe(18)
    return g.new_device_id


def init_device_cookie(app: Flask) -> None:
    """Set the device cookie on responses to requests that made a new device id."""

    @app.after_request
    def remember_device(response: Response) -> Response:
        """HttpOnly, SameSite=Lax and Secure outside development, like the session cookie."""
        new = g.get("new_device_id")
        if new:
            response.set_cookie(
                DEVICE_COOKIE,
                new,
                max_age=ONE_YEAR,
                httponly=True,
                samesite="Lax",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            )
        return response
