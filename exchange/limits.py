"""HTTP rate limits (Flask-Limiter; memory by default, Redis when REDIS_URL is set) on sign-in,
uploads and posting, applied by endpoint name in one place so every area is covered the same way.

Sign-in limits are per address and generous, because a whole school shares one address; the
real protection against guessing is the per-account / per-pupil / per-class-code throttle in
exchange/accounts/throttle.py. Upload and posting limits are per signed-in user.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from exchange.extensions import limiter

# Defaults; RATELIMIT_SIGN_IN / RATELIMIT_UPLOADS / RATELIMIT_POSTING override them.
SIGN_IN = "120 per minute"
UPLOADS = "30 per minute"
POSTING = "60 per minute"

SIGN_IN_ENDPOINTS = {
    "accounts.sign_in_staff",
    "accounts.sign_in_class",
    "accounts.pupil_secret",
    "accounts.accept_invitation",
    "accounts.change_password",
    "api_accounts.sign_in_staff",
    "api_accounts.class_for_sign_in",
    "api_accounts.sign_in_pupil",
    "api_accounts.sign_in_with_card",
    "api_accounts.change_password",
}
UPLOAD_ENDPOINTS = {
    "space.create_post",
    "space.edit_post",
    "space.upload_images",
    "api_space.create_post",
    "api_space.edit_post",
    "api_space.upload_images",
    "api_enquiry.post_picture",
}
POSTING_ENDPOINTS = {
    "space.create_comment",
    "space.edit_comment",
    "api_space.create_comment",
    "api_space.edit_comment",
    "api_enquiry.post_question",
    "api_enquiry.post_concept",
    "api_enquiry.post_clarification",
    "api_enquiry.post_contribution",
    "api_enquiry.post_last_words",
    "api_enquiry.post_reflection",
    "api_live.send_message",
    "api_events.send_shoutout",
    "events.shoutout",
}


def _sign_in_limit() -> str:
    return current_app.config.get("RATELIMIT_SIGN_IN", SIGN_IN)


def _upload_limit() -> str:
    return current_app.config.get("RATELIMIT_UPLOADS", UPLOADS)


def _posting_limit() -> str:
    return current_app.config.get("RATELIMIT_POSTING", POSTING)


def user_or_address() -> str:
    """Signed-in users are limited as themselves; everyone else by address."""
    if current_user and current_user.is_authenticated:
        return current_user.actor_key
    return get_remote_address()


def _unsafe_only() -> bool:
    """Reading a sign-in page is never limited; sending it is."""
    return request.method in {"GET", "HEAD", "OPTIONS"}


def init_rate_limits(app: Flask) -> None:
    """Attach the limits to the registered views (call after every area is registered)."""
    groups = (
        (SIGN_IN_ENDPOINTS, _sign_in_limit, get_remote_address),
        (UPLOAD_ENDPOINTS, _upload_limit, user_or_address),
        (POSTING_ENDPOINTS, _posting_limit, user_or_address),
    )
    for endpoints, limit, key in groups:
        for endpoint in endpoints:
            view = app.view_functions.get(endpoint)
            if view is not None:
                app.view_functions[endpoint] = limiter.limit(
                    limit, key_func=key, exempt_when=_unsafe_only, scope=endpoint
                )(view)


def limited_endpoints(app: Flask) -> set[str]:
    """The endpoints that carry a limit (for tests and docs)."""
    wanted = SIGN_IN_ENDPOINTS | UPLOAD_ENDPOINTS | POSTING_ENDPOINTS
    return {e for e in wanted if e in app.view_functions}
