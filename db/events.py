"""Inbound webhook events: stored once, then processed in order per subject."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, text, update
from sqlalchemy.dialects import sqlite
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


def store_many(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Store many events (each row as for `store`) in one statement; {dedupe_key: id} of those
    that are new. Rows whose `dedupe_key` was stored before are skipped. On a bare connection:
    the webhook's hot path skips the ORM."""
    if not rows:
        return {}
    if conn.dialect.name == "postgresql":
        return _store_many_postgres(conn, rows)
    table = table_of(InboundEvent)
    stmt = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        .returning(table.c.dedupe_key, table.c.id)
    )
    result = conn.execute(stmt, rows)
    return {key: int(new_id) for key, new_id in result.all()}


# One statement whatever the batch size, with one parameter: the batch as a JSON array that
# PostgreSQL unpacks into rows. It is parsed and planned once, and sending it costs one
# json.dumps (text arrays would need every quote of every payload escaped, client side).
_BATCH_INSERT = text(
    "INSERT INTO inbound_event (dedupe_key, event_name, subject_id, msg_id, "
    "zalo_timestamp_ms, payload, redacted, status, attempts, received_at) "
    "SELECT k, n, s, m, t, p, r, st, 0, :now "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS u(k varchar, n varchar, s varchar, m varchar, t bigint, p jsonb, r varchar, st varchar) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id"
)


def _store_many_postgres(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    received = {row["received_at"] for row in rows}
    if len(received) != 1:
        msg = "store_many stores one batch: every row has the same received_at"
        raise ValueError(msg)
    batch = [
        {
            "k": row["dedupe_key"],
            "n": row["event_name"],
            "s": row["subject_id"],
            "m": row["msg_id"],
            "t": row["zalo_timestamp_ms"],
            "p": row["payload"],
            "r": row["redacted"],
            "st": row["status"],
        }
        for row in rows
    ]
    params = {"rows": json.dumps(batch, ensure_ascii=False), "now": received.pop()}
    result = conn.execute(_BATCH_INSERT, params)
    return {key: int(new_id) for key, new_id in result.all()}


def known(conn: Connection, keys: list[str]) -> set[str]:
    """Which of `keys` are stored already (a redelivery of an event moved out of the journal)."""
    if not keys:
        return set()
    stmt = select(InboundEvent.dedupe_key).where(col(InboundEvent.dedupe_key).in_(keys))
    return set(conn.execute(stmt).scalars().all())


def next_pending(session: Session, *, subject_id: str, count: int = 1) -> list[InboundEvent]:
    """The `count` oldest unprocessed events of `subject_id` (by Zalo's timestamp, then
    arrival), oldest first."""
    return list(
        session.exec(
            select(InboundEvent)
            .where(InboundEvent.subject_id == subject_id, InboundEvent.status == "pending")
            .order_by(col(InboundEvent.zalo_timestamp_ms), col(InboundEvent.id))
            .limit(count)
        ).all()
    )


def mark_done(session: Session, *, event: InboundEvent, now: datetime) -> None:
    event.status = "done"
    event.processed_at = now
    session.add(event)


def mark_done_by_ids(conn: Connection, *, event_ids: list[int], now: datetime) -> None:
    if event_ids:
        conn.execute(
            update(InboundEvent)
            .where(col(InboundEvent.id).in_(event_ids))
            .values(status="done", processed_at=now)
        )


def pending_after(session: Session, *, after_id: int, limit: int = 1000) -> list[tuple[int, str]]:
    """(id, subject) of pending events stored after `after_id`, oldest first: how a worker
    apart from the web app finds new work without scanning the backlog."""
    rows = session.exec(
        select(InboundEvent.id, InboundEvent.subject_id)
        .where(col(InboundEvent.id) > after_id, InboundEvent.status == "pending")
        .order_by(col(InboundEvent.id))
        .limit(limit)
    ).all()
    return [(int(i), s) for i, s in rows if i is not None]


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
