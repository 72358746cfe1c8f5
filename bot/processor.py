"""Processes stored events: one subject (resident) at a time and in order, subjects in parallel.

Each event is handled in one database transaction: the subject's lock, the handler's
decisions (conversation state, outbox rows, analytics) and the event's `done` mark commit
together, or not at all. A crash therefore leaves the event `pending`, and the sweeper
picks it up again; the outbox's idempotency keys (derived from the event id) keep a
replayed decision from queueing a message twice.

Across processes (several web workers on PostgreSQL) a transaction-scoped advisory lock per
subject keeps one subject's events strictly sequential. SQLite serialises writers anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import Engine
from sqlmodel import Session

from bot import failpoints
from bot.clock import Clock
from db import events as event_rows
from db import locks
from db.models import InboundEvent
from db.session import read_scope, session_scope

log = logging.getLogger(__name__)

Handler = Callable[[Session, InboundEvent, datetime], None]
FailureHandler = Callable[[Session, InboundEvent, datetime], None]


class EventProcessor:
    """Drains each subject's pending events; `kick(subject)` after storing a new one."""

    def __init__(
        self,
        *,
        engine: Engine,
        handler: Handler,
        on_failure: FailureHandler,
        clock: Clock,
        max_attempts: int = 3,
        concurrency: int = 8,
        on_committed: Callable[[], None] | None = None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self._engine = engine
        self._handler = handler
        self._on_failure = on_failure
        self._clock = clock
        self._max_attempts = max_attempts
        self._slots = asyncio.Semaphore(concurrency)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._on_committed = on_committed or (lambda: None)
        self._on_outcome = on_outcome or (lambda _outcome: None)
        self._closed = False

    def kick(self, subject_id: str) -> None:
        """Make sure `subject_id`'s pending events get processed soon."""
        if self._closed:
            return
        task = self._running.get(subject_id)
        if task is not None and not task.done():
            self._again.add(subject_id)
            return
        self._running[subject_id] = asyncio.create_task(
            self._drain(subject_id), name=f"drain:{subject_id}"
        )

    async def _drain(self, subject_id: str) -> None:
        try:
            while True:
                self._again.discard(subject_id)
                async with self._slots:
                    while await anyio.to_thread.run_sync(self.process_next, subject_id):
                        self._on_committed()
                if subject_id not in self._again or self._closed:
                    break
        except Exception:
            log.exception("draining events of %s failed; the sweeper will retry", subject_id)
        finally:
            self._running.pop(subject_id, None)

    def process_next(self, subject_id: str) -> bool:
        """Handle the subject's oldest pending event; False when no other one was waiting.

        Reading two events tells whether another one waits, so a drain ends without one more
        (write) transaction that finds nothing. An event stored meanwhile is not missed: its
        arrival kicks the subject again (`kick`, the worker's poll, the sweeper).
        """
        now = self._clock.now()
        with session_scope(self._engine) as session:
            locks.lock_subject(session, subject_id)
            waiting = event_rows.next_pending(session, subject_id=subject_id, count=2)
            if not waiting:
                return False
            event = waiting[0]
            try:
                with session.begin_nested():
                    self._handler(session, event, now)
                event_rows.mark_done(session, event=event, now=now)
                failpoints.hit("processor.before_commit")
                self._on_outcome("done")
                return len(waiting) > 1
            except Exception as exc:
                log.exception("event %s (%s) failed", event.id, event.event_name)
                error = f"{type(exc).__name__}: {exc}"
            gave_up = event_rows.record_failure(
                session, event=event, error=error, max_attempts=self._max_attempts, now=now
            )
            if gave_up:
                self._on_outcome("failed")
                try:
                    with session.begin_nested():
                        self._on_failure(session, event, now)
                except Exception:
                    log.exception("could not tell the resident about failed event %s", event.id)
            else:
                self._on_outcome("retry")
            return True

    async def sweep(self, *, older_than_s: float = 2.0) -> int:
        """Kick every subject with events left pending (after a crash or a lost task)."""
        cutoff = self._clock.now() - timedelta(seconds=older_than_s)

        def find() -> list[str]:
            with read_scope(self._engine) as session:
                return event_rows.stale_subjects(session, older_than=cutoff)

        subjects = await anyio.to_thread.run_sync(find)
        for subject in subjects:
            self.kick(subject)
        return len(subjects)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until no drain is running (tests and shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._running and asyncio.get_running_loop().time() < deadline:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def close(self) -> None:
        self._closed = True
        await self.idle()
