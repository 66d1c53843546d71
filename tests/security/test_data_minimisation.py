"""The pupil record holds only what the design allows."""

from __future__ import annotations

from exchange.accounts.models import Pupil

ALLOWED_PUPIL_COLUMNS = {
    "id",
    "classroom_id",
    "display_name",
    "credential_kind",
    "credential_hash",
    "card_token_hash",
    "consent_photo",
    "consent_work",
    "active",
    "session_version",
    "created_at",
}


def test_pupil_table_has_only_allowed_columns():
    columns = {c.name for c in Pupil.__table__.columns}
    assert columns <= ALLOWED_PUPIL_COLUMNS, (
        f"unexpected pupil data: {columns - ALLOWED_PUPIL_COLUMNS}"
    )
    for forbidden in ("email", "surname", "last_name", "date_of_birth", "address", "phone"):
        assert forbidden not in columns
