"""Inbound webhook events: stored once, then processed in order per subject."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from db.models import InboundEvent
from db.upsert import insert_ignore, table_of


def store(
    session: Session,
    *,
    dedupe_key: str,
    event_name: str,
    subject_id: str,
    msg_id: str | None,
    zalo_timestamp_ms: int,
    payload: dict[str, Any],
    redacted: str | None,
    status: str,
    now: datetime,
) -> int | None:
    """Store an event; its id, or None when the same event was stored before (a redelivery)."""
    values = {
        "dedupe_key": dedupe_key,
        "event_name": event_name,
        "subject_id": subject_id,
        "msg_id": msg_id,
        "zalo_timestamp_ms": zalo_timestamp_ms,
        "payload": payload,
        "redacted": redacted,
        "status": status,
        "attempts": 0,
        "received_at": now,
    }
    table = table_of(InboundEvent)
    new_id: int | None = insert_ignore(session, table, values, returning=table.c.id)
    return new_id


def next_pending(session: Session, *, subject_id: str) -> InboundEvent | None:
    """The oldest unprocessed event of `subject_id` (by Zalo's timestamp, then arrival)."""
    return session.exec(
        select(InboundEvent)
        .where(InboundEvent.subject_id == subject_id, InboundEvent.status == "pending")
        .order_by(col(InboundEvent.zalo_timestamp_ms), col(InboundEvent.id))
        .limit(1)
    ).first()


def mark_done(session: Session, *, event: InboundEvent, now: datetime) -> None:
    event.status = "done"
    event.processed_at = now
    session.add(event)


def mark_done_by_id(session: Session, *, event_id: int, now: datetime) -> None:
    session.execute(
        update(InboundEvent)
        .where(col(InboundEvent.id) == event_id)
        .values(status="done", processed_at=now)
    )


def record_failure(
    session: Session, *, event: InboundEvent, error: str, max_attempts: int, now: datetime
) -> bool:
    """Count a failed attempt; True when the event is now given up (status `failed`)."""
    event.attempts += 1
    event.error = error[:500]
    if event.attempts >= max_attempts:
        event.status = "failed"
        event.processed_at = now
    session.add(event)
    return event.status == "failed"


def stale_subjects(session: Session, *, older_than: datetime, limit: int = 500) -> list[str]:
    """Subjects with events still pending since before `older_than` (e.g. after a crash)."""
    rows = session.exec(
        select(InboundEvent.subject_id)
        .where(InboundEvent.status == "pending", InboundEvent.received_at < older_than)
        .group_by(col(InboundEvent.subject_id))
        .limit(limit)
    ).all()
    return list(rows)


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(InboundEvent.status, func.count()).group_by(col(InboundEvent.status))
    ).all()
    return {status: int(n) for status, n in rows}
