"""Group commit of webhook events: one transaction stores every event that arrived meanwhile.

The webhook must not acknowledge an event before it is durably stored, and one transaction
per request caps a worker at what the database commits per second. `InboundWriter.store`
queues the event and waits; a single writer task takes everything queued, stores it in one
transaction (one multi-row INSERT … ON CONFLICT DO NOTHING) and answers each waiter. When
events trickle in, a batch is one event and costs what it did before; under load the batch
grows by itself, so commits stay few while each request still waits for its own commit.

If a batch fails as a whole, its events are retried one by one, so one bad event cannot
refuse its neighbours; an event that still fails is answered with the error (the webhook
then answers 503 and Zalo delivers it again).

On PostgreSQL a batch with nothing to record alongside (no receipt, no echo: the usual case)
is its one INSERT, run on its own (autocommit) on a connection the writer keeps: one round
trip to the server instead of four (pool check, BEGIN, INSERT, COMMIT), which on a loaded
machine is most of an acknowledgement's time.

On SQLite with event workers (WEB_PROCESSES_EVENTS=false) a batch goes to the journal instead,
a file of its own that no processing transaction locks (`db.journal`); `JournalMover` then
moves it into `inbound_event`, recording receipts and echoes on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError as DatabaseUnavailable
from sqlmodel import Session

from bot import failpoints
from bot.clock import Clock
from bot.zalo.events import EventError, ZaloEvent, parse_event
from db import events as event_rows
from db import journal
from db.session import joined_scope, priority_writer, read_scope, reader

log = logging.getLogger(__name__)

# Decides, inside the storing transaction, whether a new event is fully handled there.
InlineRecorder = Callable[[Session, ZaloEvent, datetime], bool]


@dataclass(frozen=True)
class Incoming:
    event: ZaloEvent
    payload: dict[str, Any]
    redacted: str | None
    status: str  # pending | ignored


@dataclass(frozen=True)
class Stored:
    new_id: int | None  # None: the same event was stored before (a redelivery)
    handled: bool = False  # recorded while storing; nothing left to process

    @property
    def needs_processing(self) -> bool:
        return self.new_id is not None and not self.handled


class InboundWriter:
    def __init__(
        self,
        *,
        engine: Engine,
        clock: Clock,
        record_inline: InlineRecorder,
        inline_events: tuple[type[ZaloEvent], ...],
        journal: Engine | None = None,
        max_batch: int = 200,
    ) -> None:
        self._engine = priority_writer(engine)
        # SQLite when event workers process (see `db.journal`): new events go there.
        self._journal = priority_writer(journal) if journal is not None else None
        self._reader = reader(engine) if journal is not None else None
        self._clock = clock
        self._record_inline = record_inline
        # Only these may be recorded while being stored (`record_inline` decides).
        self._inline_events = inline_events
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )
        self._direct: Connection | None = None
        self._max_batch = max_batch
        self._queue: list[tuple[Incoming, asyncio.Future[Stored]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # for tests and metrics: how many transactions were used

    async def store(self, item: Incoming) -> Stored:
        """Store `item` durably; returns once its transaction has committed."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="inbound-writer")
        # A request cancelled meanwhile (the client went away) only cancels its own future.
        return await future

    async def _write_all(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            items = [item for item, _ in batch]
            try:
                results = await anyio.to_thread.run_sync(self._write_batch, items)
            except (DatabaseUnavailable, sqlite3.OperationalError) as exc:
                # The database is down or locked: one by one would only wait as long again.
                log.warning("storing %d events failed: %s", len(items), exc)
                results = [exc] * len(items)
            except Exception:
                log.warning(
                    "storing %d events together failed; one by one", len(items), exc_info=True
                )
                results = await anyio.to_thread.run_sync(self._write_each, items)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _write_batch(self, items: list[Incoming]) -> list[Stored | BaseException]:
        self.batches += 1
        now = self._clock.now()
        if self._journal is not None:
            return list(self._append(items, now))
        if self._autocommit is not None and not any(
            isinstance(item.event, self._inline_events) for item in items
        ):
            return list(self._insert_only(items, now))
        with self._engine.begin() as conn:
            return list(self._store(conn, items, now))

    def _insert_only(self, items: list[Incoming], now: datetime) -> list[Stored]:
        """The batch's single INSERT as its own transaction, on the writer's connection. A
        connection found broken (the server restarted) is replaced once: the INSERT skips
        what is already stored, so running it again cannot store an event twice."""
        assert self._autocommit is not None
        for attempt in (1, 2):
            if self._direct is None:
                self._direct = self._autocommit.connect()
            try:
                stored = self._store(self._direct, items, now)
                self._direct.commit()  # ends SQLAlchemy's transaction; nothing to send
                return stored
            except DBAPIError as exc:
                self._drop_direct()
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError  # unreachable

    def _drop_direct(self) -> None:
        if self._direct is not None:
            with contextlib.suppress(Exception):
                self._direct.close()
            self._direct = None

    def _write_each(self, items: list[Incoming]) -> list[Stored | BaseException]:
        out: list[Stored | BaseException] = []
        for item in items:
            try:
                out.extend(self._write_batch([item]))
            except Exception as exc:
                log.exception("could not store event %s", item.event.dedupe_key)
                out.append(exc)
        return out

    def _store(self, conn: Connection, items: list[Incoming], now: datetime) -> list[Stored]:
        first, rows = _rows_of(items, now)
        new_ids = _new_ids(items, first, event_rows.store_many(conn, rows))
        handled = record_inline_events(
            conn,
            [
                (new_id, item.event)
                for new_id, item in zip(new_ids, items, strict=True)
                if new_id is not None and item.status == "pending"
            ],
            now,
            record=self._record_inline,
            kinds=self._inline_events,
        )
        return [Stored(new_id=new_id, handled=new_id in handled) for new_id in new_ids]

    def _append(self, items: list[Incoming], now: datetime) -> list[Stored]:
        """SQLite with event workers: into the journal, which no processing transaction
        locks. Events already moved from it into `inbound_event` are redeliveries."""
        assert self._journal is not None and self._reader is not None
        first, rows = _rows_of(items, now)
        with self._reader.connect() as conn:
            moved = event_rows.known(conn, [row["dedupe_key"] for row in rows])
        fresh = [
            {name: row[name] for name in journal.COLUMNS}
            for row in rows
            if row["dedupe_key"] not in moved
        ]
        with self._journal.begin() as conn:
            ids = journal.append(conn, fresh)
        return [Stored(new_id=new_id) for new_id in _new_ids(items, first, ids)]

    async def close(self) -> None:
        """Finish the batch being written (shutdown)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        self._drop_direct()


def _rows_of(items: list[Incoming], now: datetime) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The rows to insert, and each key's first index: the same event twice in one batch (a
    fast redelivery) is stored once."""
    first: dict[str, int] = {}
    rows = []
    for index, item in enumerate(items):
        key = item.event.dedupe_key
        if key in first:
            continue
        first[key] = index
        rows.append(
            {
                "dedupe_key": key,
                "event_name": item.event.event_name,
                "subject_id": item.event.subject_id,
                "msg_id": item.event.msg_id,
                "zalo_timestamp_ms": item.event.timestamp_ms,
                "payload": item.payload,
                "redacted": item.redacted,
                "status": item.status,
                "attempts": 0,
                "received_at": now,
            }
        )
    return first, rows


def _new_ids(items: list[Incoming], first: dict[str, int], ids: dict[str, int]) -> list[int | None]:
    """Each item's new id: None for a redelivery, stored before or earlier in the batch."""
    return [
        ids.get(item.event.dedupe_key) if first[item.event.dedupe_key] == index else None
        for index, item in enumerate(items)
    ]


def record_inline_events(
    conn: Connection,
    events: list[tuple[int, ZaloEvent]],
    now: datetime,
    *,
    record: InlineRecorder,
    kinds: tuple[type[ZaloEvent], ...],
) -> set[int]:
    """Record the receipts and echoes among newly stored (id, event) pairs, through the ORM in
    the storing transaction, and mark them done; the ids of those handled."""
    handled: list[int] = []
    inline = [(new_id, event) for new_id, event in events if isinstance(event, kinds)]
    if inline:
        with joined_scope(conn) as session:
            handled = [new_id for new_id, event in inline if record(session, event, now)]
    event_rows.mark_done_by_ids(conn, event_ids=handled, now=now)
    return set(handled)


class JournalMover:
    """Moves events from the journal (`db.journal`) into `inbound_event`, where they are
    processed. Any number of movers may run: moving a row twice is a no-op."""

    def __init__(
        self,
        *,
        journal_engine: Engine,
        engine: Engine,
        clock: Clock,
        record_inline: InlineRecorder,
        inline_events: tuple[type[ZaloEvent], ...],
        batch: int = 500,
        forget_every: int = 500,
        forget_after_s: float = 2.0,
    ) -> None:
        self._journal = journal_engine
        self._engine = engine
        self._clock = clock
        self._record_inline = record_inline
        self._inline_events = inline_events
        self._batch = batch
        self._forget_every = forget_every
        self._forget_after_s = forget_after_s
        self._moved = 0  # the last journal id moved by this process
        self._forgotten = 0
        self._last_forget = time.monotonic()
        self._one_at_a_time = threading.Lock()  # the worker's poll and its sweeper both move

    def move(self) -> list[str]:
        """Move what is waiting (one batch); the subjects with new events to process."""
        with self._one_at_a_time:
            return self._move()

    def _move(self) -> list[str]:
        with read_scope(self._journal) as session:
            rows = journal.after(session.connection(), after_id=self._moved, limit=self._batch)
        subjects: list[str] = []
        if rows:
            try:
                subjects = self._store(rows, inline=True)
            except (DatabaseUnavailable, sqlite3.OperationalError):
                raise  # down or locked: everything is moved again on the next call
            except Exception:
                # One event that cannot be recorded while moved must not hold up the others.
                log.warning(
                    "moving %d events together failed; one by one", len(rows), exc_info=True
                )
                subjects = []
                for row in rows:
                    subjects += self._store_one(row)
            failpoints.hit("journal.after_move")  # moved, not yet noted: moved again later
            self._moved = int(rows[-1]["id"])
        self._forget_moved()
        return subjects

    def _store_one(self, row: Any) -> list[str]:
        try:
            return self._store([row], inline=True)
        except (DatabaseUnavailable, sqlite3.OperationalError):
            raise
        except Exception:
            log.exception("event %s could not be recorded as moved: processed as usual", row["id"])
            return self._store([row], inline=False)

    def _store(self, rows: list[Any], *, inline: bool) -> list[str]:
        """Insert `rows` into `inbound_event` in one transaction (receipts and echoes recorded
        too, with `inline`); the subjects of the new events left to process."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            ids = event_rows.store_many(
                conn, [{**{n: row[n] for n in journal.COLUMNS}, "attempts": 0} for row in rows]
            )
            pending = [
                row for row in rows if row["dedupe_key"] in ids and row["status"] == "pending"
            ]
            handled = (
                record_inline_events(
                    conn,
                    _inline_candidates(ids, pending),
                    now,
                    record=self._record_inline,
                    kinds=self._inline_events,
                )
                if inline
                else set()
            )
        return [row["subject_id"] for row in pending if ids[row["dedupe_key"]] not in handled]

    def close(self) -> None:
        self._journal.dispose()

    def _forget_moved(self) -> None:
        if self._moved <= self._forgotten:
            return
        due = time.monotonic() - self._last_forget >= self._forget_after_s
        if self._moved - self._forgotten < self._forget_every and not due:
            return
        with self._journal.begin() as conn:
            journal.forget(conn, up_to_id=self._moved)
        self._forgotten = self._moved
        self._last_forget = time.monotonic()


def _inline_candidates(ids: dict[str, int], rows: list[Any]) -> list[tuple[int, ZaloEvent]]:
    """(id, event) of moved rows, for `record_inline_events`. A payload this version cannot
    parse (another version of the bot stored it) is left to the processor."""
    out = []
    for row in rows:
        try:
            out.append((ids[row["dedupe_key"]], parse_event(row["payload"])))
        except EventError:
            continue
    return out
