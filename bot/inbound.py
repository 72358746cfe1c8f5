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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError as DatabaseUnavailable
from sqlmodel import Session

from bot.clock import Clock
from bot.zalo.events import ZaloEvent
from db import events as event_rows
from db.session import priority_writer

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
    handled: bool  # recorded while storing; nothing left to process

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
        max_batch: int = 200,
    ) -> None:
        self._engine = priority_writer(engine)
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
        # The same event twice in one batch (a fast redelivery): the first one is stored.
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
        ids = event_rows.store_many(conn, rows)
        handled_ids = []
        results: list[Stored] = []
        # Receipts and echoes are recorded here, through the ORM, in the same transaction.
        session: Session | None = None
        for index, item in enumerate(items):
            key = item.event.dedupe_key
            new_id = ids.get(key) if first[key] == index else None
            handled = False
            if (
                new_id is not None
                and item.status == "pending"
                and isinstance(item.event, self._inline_events)
            ):
                session = session or Session(bind=conn)
                handled = self._record_inline(session, item.event, now)
                if handled:
                    handled_ids.append(new_id)
            results.append(Stored(new_id=new_id, handled=handled))
        if session is not None:
            session.flush()
            session.close()
        event_rows.mark_done_by_ids(conn, event_ids=handled_ids, now=now)
        return results

    async def close(self) -> None:
        """Finish the batch being written (shutdown)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        self._drop_direct()
