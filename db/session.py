"""Engine factory and sessions. Nothing is created at import time."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
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


# As long as SQLite's own busy timeout: then "database is locked", as SQLite would say.
BUSY_TIMEOUT_S = 10.0
LOCKED = "database is locked (waited for other writers)"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level so that SQLAlchemy's BEGIN below is the only one.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cur.close()


def _flock(fd: int, operation: int, deadline: float) -> None:
    """Take a file lock, waiting until `deadline` at most: a writer that hangs while holding
    the lock (a frozen process) must fail the others like SQLite's busy timeout does, not
    block them for ever. Polls without the GIL, first often, then every 2 ms."""
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError(LOCKED) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


class WriterTurnstile:
    """Writers to one SQLite file queue in the kernel, not in SQLite's busy handler, and
    writers marked `priority` (the webhook storing events) go first.

    SQLite makes a writer that finds the database locked sleep and retry (1, 2, 5 … 100 ms),
    so a process that writes in quick succession (the event processor) starves one that
    writes now and then (the webhook): the gaps between the first one's transactions are
    shorter than the second one's sleeps. Here each connection takes an exclusive `flock` on
    a file beside the database before BEGIN IMMEDIATE, and gives it back when it returns to
    the pool, so a waiting writer (in this process or another) gets it within 2 ms of it
    being free. A priority writer holds a shared lock on a second file (the gate) while it waits
    and writes; any other writer first waits until it can lock the gate exclusively (no
    priority writer waiting), and only one of them per process queues at a time, so a
    priority writer waits for at most the transaction under way and one more.
    SQLite's own locking is unchanged underneath, so tools that skip this stay safe.
    """

    def __init__(self, database: str, timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.path = f"{database}.writers"
        self.gate_path = f"{database}.writers-gate"
        self._holders: dict[int, int] = {}  # thread id → the fd it holds the lock with
        # One other (not priority) writer of this process at a time waits for or holds the
        # lock, so a priority writer never queues behind a crowd of them.
        self._one_other = threading.Lock()

    def connect(self, _dbapi_conn: Any, record: Any) -> None:
        record.info["turnstile_fd"] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        record.info["turnstile_gate"] = os.open(self.gate_path, os.O_RDWR | os.O_CREAT, 0o600)

    def close(self, dbapi_conn: Any, record: Any) -> None:
        self.release(dbapi_conn, record)
        for key in ("turnstile_fd", "turnstile_gate"):
            fd = record.info.pop(key, None)
            if fd is not None:
                os.close(fd)

    def acquire(self, conn: Any, *, priority: bool) -> None:
        info = conn.connection.info
        fd, gate = info.get("turnstile_fd"), info.get("turnstile_gate")
        if fd is None or gate is None or "turnstile_holder" in info:
            return
        thread = threading.get_ident()
        if self._holders.get(thread, fd) != fd:
            # This thread would wait for itself: a write transaction inside another one.
            msg = "a write transaction was opened inside another one on the same database"
            raise RuntimeError(msg)
        deadline = time.monotonic() + self.timeout_s
        if priority:
            _flock(gate, fcntl.LOCK_SH, deadline)
            try:
                _flock(fd, fcntl.LOCK_EX, deadline)
            except BaseException:
                fcntl.flock(gate, fcntl.LOCK_UN)
                raise
        else:
            if not self._one_other.acquire(timeout=self.timeout_s):
                raise sqlite3.OperationalError(LOCKED)
            try:
                _flock(gate, fcntl.LOCK_EX, deadline)  # wait while a priority writer waits
                fcntl.flock(gate, fcntl.LOCK_UN)
                _flock(fd, fcntl.LOCK_EX, deadline)
            except BaseException:
                self._one_other.release()
                raise
            info["turnstile_other"] = True
        info["turnstile_holder"] = thread
        self._holders[thread] = fd

    def release(self, _dbapi_conn: Any, record: Any) -> None:
        thread = record.info.pop("turnstile_holder", None)
        if thread is not None:
            fcntl.flock(record.info["turnstile_fd"], fcntl.LOCK_UN)
            fcntl.flock(record.info["turnstile_gate"], fcntl.LOCK_UN)
            self._holders.pop(thread, None)
            if record.info.pop("turnstile_other", False):
                self._one_other.release()


def _sqlite_begin(turnstile: WriterTurnstile) -> Callable[[Any], None]:
    def begin(conn: Any) -> None:
        # Writers take the write lock when their transaction starts: no lock upgrades, so no
        # "database is locked" between a reader that later writes and another writer.
        # Read-only work uses `reader(engine)`, whose transactions begin DEFERRED.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE":
            priority = conn.get_execution_options().get("sqlite_writer") == "priority"
            turnstile.acquire(conn, priority=priority)
        conn.exec_driver_sql(f"BEGIN {mode}")

    return begin


def make_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, writer_wait_s: float = BUSY_TIMEOUT_S
) -> Engine:
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
        turnstile = WriterTurnstile(database, timeout_s=writer_wait_s)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", turnstile.connect)
        event.listen(engine, "close", turnstile.close)
        event.listen(engine, "checkin", turnstile.release)
        event.listen(engine, "begin", _sqlite_begin(turnstile))
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


@contextmanager
def joined_scope(conn: Connection) -> Iterator[Session]:
    """A session inside `conn`'s transaction, which it neither commits nor rolls back: its
    changes are flushed on success; the transaction's owner decides."""
    session = Session(bind=conn)
    try:
        yield session
        session.flush()
    finally:
        session.close()


def priority_writer(engine: Engine) -> Engine:
    """The same engine for writes that must not wait behind busy ones (storing webhook
    events): on SQLite they go ahead of the other writers queued (see `WriterTurnstile`)."""
    return engine.execution_options(sqlite_writer="priority")


def reader(engine: Engine) -> Engine:
    """The same engine for read-only work: SQLite transactions begin DEFERRED (no write lock)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A session for queries only; it never takes SQLite's write lock."""
    # Closing (not rolling back) ends the transaction and leaves loaded objects readable.
    with Session(reader(engine), expire_on_commit=False) as session:
        yield session


def ping(engine: Engine) -> None:
    """One round trip to the database; raises when it does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
