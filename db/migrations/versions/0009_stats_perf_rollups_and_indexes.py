"""stats perf: previous active day in the rollups (distinct residents without DISTINCT),
residents active per day and village, indexes for the median reply time

Revision ID: 0009_stats_perf
Revises: 0008_campaigns
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0009_stats_perf'
# Re-chain after 0008_campaigns when both branches are merged.
down_revision: str | Sequence[str] | None = '0008_campaigns'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same statements as `db.rollup.active_prev(None)`, `step_prev(None)` and
# `active_count('')`, frozen here.
ACTIVE_PREV = (
    "UPDATE stat_active_day SET prev_day = w.prev, prev_village_day = w.pv FROM ("
    "SELECT day, resident_id, "
    "coalesce(lag(day) OVER (PARTITION BY resident_id ORDER BY day), '') AS prev, "
    "coalesce(lag(day) OVER (PARTITION BY resident_id, village_id ORDER BY day), '') AS pv "
    "FROM stat_active_day) AS w "
    "WHERE stat_active_day.day = w.day AND stat_active_day.resident_id = w.resident_id "
    "AND (stat_active_day.prev_day <> w.prev OR stat_active_day.prev_village_day <> w.pv)"
)
STEP_PREV = (
    "UPDATE stat_step_day SET prev_day = w.prev FROM ("
    "SELECT day, flow, step, resident_id, coalesce(lag(day) OVER "
    "(PARTITION BY flow, step, resident_id ORDER BY day), '') AS prev "
    "FROM stat_step_day) AS w "
    "WHERE stat_step_day.day = w.day AND stat_step_day.flow = w.flow "
    "AND stat_step_day.step = w.step AND stat_step_day.resident_id = w.resident_id "
    "AND stat_step_day.prev_day <> w.prev"
)


ACTIVE_COUNT = (
    "INSERT INTO stat_active_count (day, village_id, residents) "
    "SELECT day, village_id, count(*) FROM stat_active_day GROUP BY day, village_id"
)


def upgrade() -> None:
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_event_name_id', ['event_name', 'id', 'received_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_sent_reply', ['source_event_id', 'sent_at'], unique=False, postgresql_where=sa.text("status = 'sent' AND kind = 'reply'"), sqlite_where=sa.text("status = 'sent' AND kind = 'reply'"))
    op.create_table('stat_active_count',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('residents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'village_id')
    )
    op.execute(ACTIVE_COUNT)
    with op.batch_alter_table('stat_active_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_day', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('prev_village_day', sa.String(length=10), server_default='', nullable=False))
    with op.batch_alter_table('stat_step_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_day', sa.String(length=10), server_default='', nullable=False))
    op.execute(ACTIVE_PREV)
    op.execute(STEP_PREV)
    with op.batch_alter_table('stat_active_day', schema=None) as batch_op:
        batch_op.create_index('ix_stat_active_day_first', ['day', 'prev_day', 'village_id', 'prev_village_day'], unique=False)
        batch_op.create_index('ix_stat_active_day_resident', ['resident_id', 'day'], unique=False)
    with op.batch_alter_table('stat_step_day', schema=None) as batch_op:
        batch_op.create_index('ix_stat_step_day_first', ['day', 'prev_day', 'flow', 'step'], unique=False)
        batch_op.create_index('ix_stat_step_day_resident', ['resident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stat_step_day', schema=None) as batch_op:
        batch_op.drop_index('ix_stat_step_day_resident')
        batch_op.drop_index('ix_stat_step_day_first')
        batch_op.drop_column('prev_day')
    with op.batch_alter_table('stat_active_day', schema=None) as batch_op:
        batch_op.drop_index('ix_stat_active_day_resident')
        batch_op.drop_index('ix_stat_active_day_first')
        batch_op.drop_column('prev_village_day')
        batch_op.drop_column('prev_day')

    op.drop_table('stat_active_count')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_sent_reply', postgresql_where=sa.text("status = 'sent' AND kind = 'reply'"), sqlite_where=sa.text("status = 'sent' AND kind = 'reply'"))
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_event_name_id')
