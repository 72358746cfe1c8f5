"""Test databases: a migrated SQLite file per test, and a fresh PostgreSQL database per session.

Database-facing tests take the `engine` (or `db_url`) fixture, which is parametrised over
SQLite and PostgreSQL; the PostgreSQL case runs when TEST_DATABASE_URL is set and is
skipped, with the reason, when it is not.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from db.migrate import upgrade
from db.session import make_engine, normalize_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"bot-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


class PostgresDatabase:
    """A throw-away database on the TEST_DATABASE_URL server, migrated once."""

    def __init__(self, server_url: str) -> None:
        base = make_url(normalize_url(server_url))
        self.name = f"bot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._admin = make_engine(base.render_as_string(hide_password=False), pool_size=1)
        with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        upgrade(self.url)

    def truncate_all(self, engine: Engine) -> None:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url, pool_size=5)
    try:
        yield engine
    finally:
        engine.dispose()
