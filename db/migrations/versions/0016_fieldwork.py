"""fieldwork: the door-to-door help team members record in Zalo ("Ghi nhận hỗ trợ")

Revision ID: 0016_fieldwork
Revises: 0014_api_token_label
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.types

revision: str = '0016_fieldwork'
down_revision: str | Sequence[str] | None = '0014_api_token_label'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('field_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('household_key', sa.String(length=80), nullable=False),
    sa.Column('household_id', sa.String(length=80), nullable=False),
    sa.Column('actions', JSON, nullable=False),
    sa.Column('skills', JSON, nullable=False),
    sa.Column('procedure', sa.String(length=120), nullable=True),
    sa.Column('people', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['team_member.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('field_visit', schema=None) as batch_op:
        batch_op.create_index('ix_field_visit_created', ['created_at'], unique=False)
        batch_op.create_index('ix_field_visit_member_created', ['member_id', 'created_at'], unique=False)
        batch_op.create_index('ix_field_visit_village_household', ['village_id', 'household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('field_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_field_visit_village_household')
        batch_op.drop_index('ix_field_visit_member_created')
        batch_op.drop_index('ix_field_visit_created')
    op.drop_table('field_visit')
