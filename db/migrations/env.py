"""Alembic environment: the schema is `SQLModel.metadata` from `db.models`."""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from db.session import make_engine

config = context.config
url = config.attributes.get("database_url") or os.environ.get(
    "DATABASE_URL", "sqlite:///./data/bot.db"
)
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
