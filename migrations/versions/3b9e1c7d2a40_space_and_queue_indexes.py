"""space and queue indexes

A link's space reads one class's posts newest first, and a pupil's own waiting work; with a
year of items in a link both walked every item of the link before these indexes.

Revision ID: 3b9e1c7d2a40
Revises: f293d6a30caa
Create Date: 2026-11-22 19:25:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3b9e1c7d2a40"
down_revision = "f293d6a30caa"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("moderation_item", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_item_feed",
            ["link_id", "kind", "classroom_id", "approved_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_moderation_item_author_state", ["author_pupil_id", "state"], unique=False
        )


def downgrade():
    with op.batch_alter_table("moderation_item", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_item_author_state")
        batch_op.drop_index("ix_moderation_item_feed")
