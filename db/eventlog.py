"""The analytics log: one row per countable thing (messages, flow steps, searches, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from db.models import EventLog
from db.upsert import table_of


def record(
    session: Session,
    *,
    kind: str,
    now: datetime,
    resident_id: int | None = None,
    village_id: int | None = None,
    flow: str | None = None,
    step: str | None = None,
    value: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    record_many(
        session,
        [
            {
                "kind": kind,
                "now": now,
                "resident_id": resident_id,
                "village_id": village_id,
                "flow": flow,
                "step": step,
                "value": value,
                "data": data,
            }
        ],
    )


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert several log rows in one statement (keys as `record`'s, `now` as `created_at`).
    A turn logs two to five things; one statement instead of one flush each."""
    if not rows:
        return
    # Core insert of the table (not the ORM's bulk insert, which splits rows by the columns
    # they leave empty): one statement for all rows.
    session.execute(
        insert(table_of(EventLog)),
        [
            {
                "kind": row["kind"],
                "resident_id": row.get("resident_id"),
                "village_id": row.get("village_id"),
                "flow": row.get("flow"),
                "step": row.get("step"),
                "value": row["value"][:300] if row.get("value") else row.get("value"),
                "data": row.get("data") or {},
                "created_at": row["now"],
                "rolled": False,
            }
            for row in rows
        ],
    )


def for_review(session: Session, *, since: datetime, limit: int = 5000) -> list[EventLog]:
    """What content editors read to teach the bot: messages nobody understood
    (`unanswered`) and the answers residents gave to "Bạn muốn hỏi về…?" (`clarify_chosen`),
    oldest first."""
    rows = session.exec(
        select(EventLog)
        .where(
            col(EventLog.kind).in_(("unanswered", "clarify_chosen")),
            col(EventLog.created_at) >= since,
        )
        .order_by(col(EventLog.id))
        .limit(limit)
    ).all()
    return list(rows)
