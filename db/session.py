"""Engine factory and sessions. Nothing is created at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level so that SQLAlchemy's BEGIN below is the only one.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock when their transaction starts: no lock upgrades, so no
    # "database is locked" between a reader that later writes and another writer.
    # Read-only work uses `reader(engine)`, whose transactions begin DEFERRED.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL mode and immediate transactions."""
    url = normalize_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if database in (None, "", ":memory:"):
            msg = "use a file for SQLite: an in-memory database is not shared between threads"
            raise ValueError(msg)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 10}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def reader(engine: Engine) -> Engine:
    """The same engine for read-only work: SQLite transactions begin DEFERRED (no write lock)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A session for queries only; it never takes SQLite's write lock."""
    # Closing (not rolling back) ends the transaction and leaves loaded objects readable.
    with Session(reader(engine), expire_on_commit=False) as session:
        yield session
