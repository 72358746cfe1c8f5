"""The event processor: in order per resident, residents in parallel, all-or-nothing."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock import SystemClock
from bot.processor import EventProcessor
from db import events, outbox
from db.models import InboundEvent, Outbox
from db.session import session_scope
from db.types import utcnow


def _store(engine: Engine, subject: str, n: int, *, key: str | None = None) -> int | None:
    with session_scope(engine) as s:
        return events.store(
            s,
            dedupe_key=key or f"{subject}:{n}",
            event_name="user_send_text",
            subject_id=subject,
            msg_id=None,
            zalo_timestamp_ms=1_000 + n,
            payload={"n": n},
            redacted=None,
            status="pending",
            now=utcnow(),
        )


def _statuses(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return events.counts_by_status(s)


async def test_events_of_one_subject_run_in_order_and_never_concurrently(engine: Engine) -> None:
    seen: dict[str, list[int]] = defaultdict(list)
    active: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    overlap = []

    def handler(session: Session, row: InboundEvent, now: datetime) -> None:
        with lock:
            active[row.subject_id] += 1
            if active[row.subject_id] > 1:
                overlap.append(row.subject_id)
        seen[row.subject_id].append(row.payload["n"])
        outbox.enqueue(
            session,
            idempotency_key=f"evt:{row.id}:0",
            recipient=row.subject_id,
            message={"text": "ok"},
            fingerprint="ok",
            now=now,
        )
        with lock:
            active[row.subject_id] -= 1

    processor = EventProcessor(
        engine=engine, handler=handler, on_failure=handler, clock=SystemClock(), concurrency=4
    )
    subjects = [f"user{i}" for i in range(5)]
    for n in range(12):
        for subject in subjects:
            _store(engine, subject, n)
            processor.kick(subject)
        await asyncio.sleep(0)
    await processor.idle()
    await processor.sweep(older_than_s=0)
    await processor.idle()
    assert overlap == []
    assert {s: seen[s] for s in subjects} == {s: list(range(12)) for s in subjects}
    assert _statuses(engine) == {"done": 60}
    with session_scope(engine) as s:
        assert len(s.exec(select(Outbox)).all()) == 60


async def test_failing_event_is_retried_then_failed_and_the_resident_is_told(
    engine: Engine,
) -> None:
    calls = []
    told = []

    def handler(session: Session, row: InboundEvent, now: datetime) -> None:
        calls.append(row.payload["n"])
        outbox.enqueue(
            session,
            idempotency_key=f"evt:{row.id}:0",
            recipient="x",
            message={"text": "half"},
            fingerprint="half",
            now=now,
        )
        if row.payload["n"] == 0:
            raise RuntimeError("boom")

    def on_failure(session: Session, row: InboundEvent, now: datetime) -> None:
        told.append(row.id)

    processor = EventProcessor(
        engine=engine, handler=handler, on_failure=on_failure, clock=SystemClock(), max_attempts=3
    )
    _store(engine, "u", 0)
    _store(engine, "u", 1)
    processor.kick("u")
    await processor.idle()
    assert calls == [0, 0, 0, 1]  # three tries, then the next event is not blocked
    assert len(told) == 1
    assert _statuses(engine) == {"failed": 1, "done": 1}
    with session_scope(engine) as s:
        # The failed attempts' half-written work was rolled back: only event 1's reply exists.
        assert [r.idempotency_key for r in s.exec(select(Outbox)).all()] == ["evt:2:0"]


def test_a_crash_mid_event_leaves_it_pending_with_nothing_written(engine: Engine) -> None:
    def handler(session: Session, row: InboundEvent, now: datetime) -> None:
        outbox.enqueue(
            session,
            idempotency_key="evt:1:0",
            recipient="u",
            message={"text": "x"},
            fingerprint="x",
            now=now,
        )
        raise SystemExit("killed")  # not an Exception: the process is going down

    processor = EventProcessor(
        engine=engine, handler=handler, on_failure=handler, clock=SystemClock()
    )
    _store(engine, "u", 0)
    with pytest.raises(SystemExit):
        processor.process_next("u")
    assert _statuses(engine) == {"pending": 1}
    with session_scope(engine) as s:
        assert s.exec(select(Outbox)).all() == []


def test_a_redelivered_event_is_stored_once(engine: Engine) -> None:
    assert _store(engine, "u", 0, key="msg:abc") is not None
    assert _store(engine, "u", 0, key="msg:abc") is None
    assert _statuses(engine) == {"pending": 1}
