"""inbound events: index (status, id), so event workers find new pending events cheaply

Revision ID: 0010_inbound_status_id
Revises: 0009_stats_perf
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010_inbound_status_id'
down_revision: str | Sequence[str] | None = '0009_stats_perf'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_event_status_id', ['status', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_inbound_event_status'))


def downgrade() -> None:
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_event_status'), ['status'], unique=False)
        batch_op.drop_index('ix_inbound_event_status_id')
