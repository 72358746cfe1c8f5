"""residents: when the one-tap "which village" question was put to them and answered

Revision ID: 0017_village_question
Revises: 0016_fieldwork
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0017_village_question'
down_revision: str | Sequence[str] | None = '0016_fieldwork'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village_asked_at', db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('village_answered_at', db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('village_answered_at')
        batch_op.drop_column('village_asked_at')
