"""api_token: a non-secret `label` replaces `prefix`, which held the token's first characters

Revision ID: 0014_api_token_label
Revises: 0013_news_relay_groups
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_api_token_label'
down_revision: str | Sequence[str] | None = '0013_news_relay_groups'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# sha256("demo-admin-token-not-for-production"): the demo token (bot/config.py DEMO_ADMIN_TOKEN).
DEMO_TOKEN_HASH = 'fe1096875adb769497818cdf63c5945165795418fab8232920b1b3b178730a7a'


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('label', sa.String(length=64), nullable=False, server_default='')
        )
    op.get_bind().execute(
        sa.text(
            "UPDATE api_token SET label = CASE"
            " WHEN token_hash = :demo THEN 'demo'"
            " WHEN name = 'bootstrap (ADMIN_TOKEN)' THEN 'bootstrap'"
            " WHEN name <> '' THEN substr(name, 1, 64)"
            " ELSE role END"
        ),
        {"demo": DEMO_TOKEN_HASH},
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('label', server_default=None)
        batch_op.drop_column('prefix')


def downgrade() -> None:
    # The token characters are gone for good: the old column gets the label instead.
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('prefix', sa.String(length=12), nullable=False, server_default='')
        )
    op.get_bind().execute(sa.text("UPDATE api_token SET prefix = substr(label, 1, 12)"))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('prefix', server_default=None)
        batch_op.drop_column('label')
