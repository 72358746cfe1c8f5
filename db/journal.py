"""SQLite only: a file of its own for the webhook's new events, so storing one never waits for
a processing transaction.

SQLite lets one writer at a time into a database file. With `bot worker` processes beside the
web workers (WEB_PROCESSES_EVENTS=false), an acknowledgement would wait for the processing
transaction holding that lock: a message's decisions, outbox rows and statistics, 15–30 ms on
a busy 2-core machine. So in that layout web workers append new events to a second file
beside the database (`bot.inbound.db` for `bot.db`), the journal. Event workers move them into
`inbound_event` (one transaction for everything waiting, where the normal deduplication and
the receipts' bookkeeping happen) and later forget the moved rows (`forget`), the only other
write to the journal: short, once per 500 events moved or every 2 seconds.

Nothing is lost or stored twice across a crash: a row leaves the journal only after the
transaction that moved it committed, and moving it again is a no-op (`dedupe_key` is unique
in `inbound_event`). Ids only grow (AUTOINCREMENT), even after every row is forgotten, so a
mover can follow the journal by id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, make_url

from db.session import is_sqlite, make_engine, normalize_url
from db.types import JsonType, UTCDateTime

metadata = MetaData()

JOURNAL = Table(
    "inbound_journal",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("event_name", String(64), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("msg_id", String(64)),
    Column("zalo_timestamp_ms", Integer, nullable=False),
    Column("payload", JsonType, nullable=False),
    Column("redacted", String(100)),
    Column("status", String(16), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)

# What `inbound_event` gets from a journal row (all but the journal's own id).
COLUMNS = (
    "dedupe_key",
    "event_name",
    "subject_id",
    "msg_id",
    "zalo_timestamp_ms",
    "payload",
    "redacted",
    "status",
    "received_at",
)


def journal_url(database_url: str) -> str | None:
    """The journal's URL beside a SQLite database file; None for other databases."""
    if not is_sqlite(database_url):
        return None
    url = make_url(normalize_url(database_url))
    path = Path(url.database or "")
    name = f"{path.stem}.inbound{path.suffix}" if path.suffix else f"{path.name}.inbound"
    return url.set(database=str(path.with_name(name))).render_as_string(hide_password=False)


def open_journal(database_url: str) -> Engine | None:
    """An engine on the journal (created if missing), or None when the database is not SQLite."""
    url = journal_url(database_url)
    if url is None:
        return None
    engine = make_engine(url)
    metadata.create_all(engine)
    return engine


def append(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Append events (the columns of `COLUMNS`); {dedupe_key: id} of those not already there."""
    if not rows:
        return {}
    stmt = (
        sqlite.insert(JOURNAL)
        .on_conflict_do_nothing(index_elements=[JOURNAL.c.dedupe_key])
        .returning(JOURNAL.c.dedupe_key, JOURNAL.c.id)
    )
    return {key: int(new_id) for key, new_id in conn.execute(stmt, rows).all()}


def after(conn: Connection, *, after_id: int, limit: int) -> list[RowMapping]:
    """Rows appended after `after_id`, oldest first."""
    stmt = select(JOURNAL).where(JOURNAL.c.id > after_id).order_by(JOURNAL.c.id).limit(limit)
    return list(conn.execute(stmt).mappings().all())


def forget(conn: Connection, *, up_to_id: int) -> int:
    """Delete the rows moved so far (ids up to `up_to_id`); how many there were."""
    return conn.execute(delete(JOURNAL).where(JOURNAL.c.id <= up_to_id)).rowcount


def keys(conn: Connection) -> set[str]:
    """Every dedupe key still in the journal (benchmarks and tests count with it)."""
    return set(conn.execute(select(JOURNAL.c.dedupe_key)).scalars().all())


def size(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(JOURNAL)).scalar_one())
