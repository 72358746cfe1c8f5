"""residents: when they consented to village news and when it was last offered; relays: the
Zalo group each relay is for, so one member's confirmation closes the group's relay

Revision ID: 0013_news_relay_groups
Revises: 0012_privacy_notice
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0013_news_relay_groups'
down_revision: str | Sequence[str] | None = '0012_privacy_notice'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('news_opt_in_at', db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('news_offered_at', db.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('campaign_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relay_group_id', sa.String(length=64), nullable=True))
    # Relays made before: their key is camp:<campaign>:<occurrence>:relay:<group id>:<member id>.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, idempotency_key FROM campaign_delivery WHERE target_kind = 'relay'")
    ).all()
    for row_id, key in rows:
        parts = str(key).split(':')
        if len(parts) == 6 and parts[3] == 'relay' and parts[5] != 'none':
            bind.execute(
                sa.text("UPDATE campaign_delivery SET relay_group_id = :g WHERE id = :i"),
                {"g": parts[4][:64], "i": row_id},
            )


def downgrade() -> None:
    with op.batch_alter_table('campaign_delivery', schema=None) as batch_op:
        batch_op.drop_column('relay_group_id')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('news_offered_at')
        batch_op.drop_column('news_opt_in_at')
