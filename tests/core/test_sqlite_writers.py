"""SQLite writers queue fairly, and the webhook's writes go first (`db.session.WriterTurnstile`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from db.session import make_engine, priority_writer, reader, session_scope


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    with session_scope(engine) as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS t_order (who TEXT)"))
    yield engine
    engine.dispose()


def _write(engine: Engine, who: str, hold_s: float = 0.0) -> None:
    with session_scope(engine) as s:
        s.execute(text("INSERT INTO t_order (who) VALUES (:w)"), {"w": who})
        time.sleep(hold_s)


def _order(engine: Engine) -> list[str]:
    with reader(engine).connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT who FROM t_order ORDER BY rowid"))]


def test_a_priority_writer_goes_before_writers_already_waiting(sqlite_engine: Engine) -> None:
    holder = threading.Thread(target=_write, args=(sqlite_engine, "holder", 0.6))
    holder.start()
    time.sleep(0.15)  # the holder has the lock
    waiting = threading.Thread(target=_write, args=(sqlite_engine, "waiting"))
    waiting.start()
    time.sleep(0.15)  # an ordinary writer queues first …
    webhook = threading.Thread(target=_write, args=(priority_writer(sqlite_engine), "webhook"))
    webhook.start()  # … then the webhook's
    for t in (holder, waiting, webhook):
        t.join(timeout=10)
    assert _order(sqlite_engine) == ["holder", "webhook", "waiting"]


def test_ordinary_writers_of_another_process_wait_too(sqlite_engine: Engine) -> None:
    # Two engines stand for two processes: the lock is a file lock, not a thread lock.
    other = make_engine(str(sqlite_engine.url))
    try:
        holder = threading.Thread(target=_write, args=(other, "other process", 0.5))
        holder.start()
        time.sleep(0.15)
        _write(priority_writer(sqlite_engine), "webhook")
        holder.join(timeout=10)
    finally:
        other.dispose()
    assert _order(sqlite_engine) == ["other process", "webhook"]


def test_a_write_inside_a_write_fails_at_once(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as outer:
        outer.execute(text("INSERT INTO t_order (who) VALUES ('outer')"))
        with pytest.raises(RuntimeError, match="inside another"), session_scope(sqlite_engine) as s:
            s.execute(text("INSERT INTO t_order (who) VALUES ('inner')"))
    assert _order(sqlite_engine) == ["outer"]


def test_the_lock_is_given_back_after_a_failed_transaction(sqlite_engine: Engine) -> None:
    with pytest.raises(ZeroDivisionError), session_scope(sqlite_engine) as s:
        s.execute(text("INSERT INTO t_order (who) VALUES ('rolled back')"))
        _ = 1 / 0
    done = threading.Event()
    thread = threading.Thread(target=lambda: (_write(sqlite_engine, "next"), done.set()))
    thread.start()
    assert done.wait(5), "the next writer is still waiting for the lock"
    assert _order(sqlite_engine) == ["next"]


def test_readers_never_wait_for_writers(sqlite_engine: Engine) -> None:
    release, holding = threading.Event(), threading.Event()

    def hold() -> None:
        with session_scope(sqlite_engine) as s:
            s.execute(text("INSERT INTO t_order (who) VALUES ('holder')"))
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    seen: list[list[str]] = []
    reading = threading.Thread(target=lambda: seen.append(_order(sqlite_engine)))
    reading.start()
    reading.join(timeout=5)
    finished_while_held = not reading.is_alive()
    release.set()
    holder.join(timeout=10)
    assert finished_while_held
    assert seen == [[]]  # WAL: the reader sees the last committed state


def test_a_frozen_lock_holder_fails_writers_after_the_busy_timeout(
    sqlite_engine: Engine, sqlite_url: str
) -> None:
    import fcntl
    import os
    import sqlite3

    engine = make_engine(sqlite_url, writer_wait_s=0.3)
    # Another process froze while writing: it holds the writers' lock and never lets go.
    fd = os.open(sqlite_url.removeprefix("sqlite:///") + ".writers", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            _write(priority_writer(engine), "webhook")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            _write(engine, "processor")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    _write(engine, "after")  # nothing was left held by the failed attempts
    _write(priority_writer(engine), "webhook after")
    engine.dispose()
    assert _order(sqlite_engine) == ["after", "webhook after"]
