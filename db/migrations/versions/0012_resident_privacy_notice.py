"""residents: when the privacy notice was shown (Law 91/2025/QH15, shown once per resident)

Revision ID: 0012_privacy_notice
Revises: 0011_online_filing
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0012_privacy_notice'
down_revision: str | Sequence[str] | None = '0011_online_filing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_notice_at', db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('privacy_notice_at')
