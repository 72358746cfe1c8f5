"""Shared fixtures: databases (SQLite and PostgreSQL), settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.dbs import (
    TEST_DATABASE_URL,
    PostgresDatabase,
    engine_for,
    migrated_sqlite_template,
    sqlite_copy,
)
from tests.live import Live, run_live


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[PostgresDatabase]:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    database = PostgresDatabase(TEST_DATABASE_URL)
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty database: SQLite, then PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_db")
    for engine in engine_for(database.url):
        database.truncate_all(engine)
    yield database.url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    yield from engine_for(db_url)


@pytest.fixture
def live(db_url: str) -> Iterator[Live]:
    """The real app (demo mode, its simulator mounted) serving on a free port."""
    yield from run_live(db_url)
