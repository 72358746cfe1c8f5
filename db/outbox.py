"""The durable outbox: enqueue in the deciding transaction, claim, record each outcome.

Per recipient, messages go out one at a time and in order: a row is claimable only when it
is its recipient's oldest pending row and none of that recipient's rows is in flight.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from db import eventlog
from db.models import EventLog, Outbox, Resident
from db.upsert import insert_ignore, insert_ignore_many, table_of

IN_FLIGHT = ("sending", "uncertain")


def enqueue(
    session: Session,
    *,
    idempotency_key: str,
    recipient: str,
    message: dict[str, Any],
    fingerprint: str,
    now: datetime,
    recipient_kind: str = "user",
    kind: str = "reply",
    priority: int = 0,
    source_event_id: int | None = None,
    not_before: datetime | None = None,
) -> int | None:
    """Queue one Zalo message; None when a row with this idempotency key exists already."""
    values = {
        "idempotency_key": idempotency_key,
        "kind": kind,
        "recipient_kind": recipient_kind,
        "recipient": recipient,
        "message": message,
        "fingerprint": fingerprint,
        "priority": priority,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
        "source_event_id": source_event_id,
    }
    table = table_of(Outbox)
    new_id: int | None = insert_ignore(session, table, values, returning=table.c.id)
    return new_id


def enqueue_many(session: Session, items: list[dict[str, Any]], *, now: datetime) -> None:
    """Queue many messages at once (a campaign's fan-out). Each item has the keyword arguments
    of `enqueue` except `now`; an item whose idempotency key is queued already is skipped."""
    rows = [
        {
            "idempotency_key": item["idempotency_key"],
            "kind": item.get("kind", "reply"),
            "recipient_kind": item.get("recipient_kind", "user"),
            "recipient": item["recipient"],
            "message": item["message"],
            "fingerprint": item["fingerprint"],
            "priority": item.get("priority", 0),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": item.get("not_before") or now,
            "created_at": now,
            "source_event_id": item.get("source_event_id"),
        }
        for item in items
    ]
    insert_ignore_many(session, table_of(Outbox), rows)


def claim_due(
    session: Session, *, now: datetime, owner: str, limit: int, kinds: tuple[str, ...] | None = None
) -> list[Outbox]:
    """Mark up to `limit` due rows as `sending` (owned by `owner`) and return them."""
    other = aliased(Outbox)
    earlier = aliased(Outbox)
    query = (
        select(Outbox)
        .where(
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            ~exists().where(
                and_(
                    col(other.recipient) == col(Outbox.recipient), col(other.status).in_(IN_FLIGHT)
                )
            ),
            ~exists().where(
                and_(
                    col(earlier.recipient) == col(Outbox.recipient),
                    col(earlier.status) == "pending",
                    col(earlier.id) < col(Outbox.id),
                )
            ),
        )
        .order_by(col(Outbox.priority), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if kinds is not None:
        query = query.where(col(Outbox.kind).in_(kinds))
    rows = list(session.exec(query).all())
    for row in rows:
        row.status = "sending"
        row.claimed_at = now
        row.claimed_by = owner
        row.attempts += 1
        session.add(row)
    session.flush()
    return rows


def mark_sent(session: Session, *, row_id: int, message_id: str, now: datetime) -> None:
    """The one update between Zalo accepting a message and the outbox knowing it."""
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(
            status="sent",
            zalo_message_id=message_id,
            sent_at=now,
            error_code=None,
            error_message=None,
        )
    )


def mark_retry(
    session: Session, *, row_id: int, at: datetime, code: int | None, message: str
) -> None:
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(
            status="pending",
            next_attempt_at=at,
            error_code=code,
            error_message=message[:500],
            claimed_by=None,
        )
    )


def mark_failed(session: Session, *, row_id: int, code: int | None, message: str) -> None:
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(status="failed", error_code=code, error_message=message[:500])
    )


def mark_skipped(session: Session, *, row_id: int, message: str) -> None:
    """Not sent, and never will be: a rule forbade it when its turn came."""
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(status="skipped", error_code=None, error_message=message[:500])
    )


def last_interaction(session: Session, *, zalo_user_id: str) -> datetime | None:
    """When the recipient last interacted with the OA, as the bot knows it (None: never, or
    not a known resident)."""
    return session.exec(
        select(Resident.last_interaction_at).where(Resident.zalo_user_id == zalo_user_id)
    ).first()


def mark_uncertain(session: Session, *, row_id: int, message: str) -> None:
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(status="uncertain", error_message=message[:500])
    )


def release_stale_claims(session: Session, *, now: datetime, lease_s: float) -> list[int]:
    """Rows left `sending` by a process that died: they may or may not have gone out."""
    cutoff = now - timedelta(seconds=lease_s)
    rows = session.exec(
        select(Outbox)
        .where(Outbox.status == "sending", col(Outbox.claimed_at) < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status = "uncertain"
        row.error_message = "the sender stopped before recording the outcome"
        session.add(row)
    return [row.id for row in rows if row.id is not None]


def mark_all_claims_of(session: Session, *, owner: str) -> int:
    """On start-up: rows a previous run of this same process left `sending` are uncertain."""
    result = session.execute(
        update(Outbox)
        .where(col(Outbox.status) == "sending", col(Outbox.claimed_by) == owner)
        .values(
            status="uncertain", error_message="the sender restarted before recording the outcome"
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def uncertain(session: Session, *, limit: int = 50) -> list[Outbox]:
    return list(
        session.exec(
            select(Outbox)
            .where(Outbox.status == "uncertain")
            .order_by(col(Outbox.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def record_receipt(session: Session, *, message_ids: list[str], seen: bool, at: datetime) -> int:
    """A delivery/seen receipt for messages we sent; the number of rows updated."""
    if not message_ids:
        return 0
    column = "seen_at" if seen else "delivered_at"
    values: dict[str, Any] = {column: at}
    if seen:
        values["delivered_at"] = func.coalesce(Outbox.delivered_at, at)
    result = session.execute(
        update(Outbox).where(col(Outbox.zalo_message_id).in_(message_ids)).values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(select(Outbox.status, func.count()).group_by(col(Outbox.status))).all()
    return {status: int(n) for status, n in rows}


def get(session: Session, *, row_id: int) -> Outbox | None:
    return session.get(Outbox, row_id)


def claim_owners(session: Session) -> list[str]:
    """Who holds rows in `sending` right now."""
    owners = session.exec(
        select(Outbox.claimed_by).where(Outbox.status == "sending").distinct()
    ).all()
    return [o for o in owners if o]


def message_id_recorded(session: Session, *, message_id: str) -> bool:
    return (
        session.exec(select(Outbox.id).where(Outbox.zalo_message_id == message_id)).first()
        is not None
    )


def settle_from_echo(
    session: Session, *, recipient: str, fingerprint: str, message_id: str, now: datetime
) -> int | None:
    """An `oa_send_*` echo with an id we never recorded: if one of this recipient's rows was
    tried (in flight, uncertain, or waiting to retry) with the same content, the echo proves
    that it went out, so it is not sent again."""
    if message_id_recorded(session, message_id=message_id):
        return None
    attempted = or_(
        col(Outbox.status).in_(IN_FLIGHT),
        and_(col(Outbox.status) == "pending", col(Outbox.attempts) > 0),
    )
    row = session.exec(
        select(Outbox)
        .where(Outbox.recipient == recipient, attempted, Outbox.fingerprint == fingerprint)
        .order_by(col(Outbox.id))
        .limit(1)
        .with_for_update()
    ).first()
    if row is None or row.id is None:
        return None
    mark_sent(session, row_id=row.id, message_id=message_id, now=now)
    return row.id


def to_recipient_after(session: Session, *, recipient: str, after_id: int) -> list[Outbox]:
    """The messages queued for `recipient` after row `after_id`, in order."""
    rows = session.exec(
        select(Outbox)
        .where(Outbox.recipient == recipient, col(Outbox.id) > after_id)
        .order_by(col(Outbox.id))
    ).all()
    return list(rows)


# -- billing holds and Zalo's quota answers (updates-2026.md §1.2) -------------------------

BILLING_EVENT = "send_billing"
QUOTA_EVENT = "zalo_quota"


def record_billing(
    session: Session, *, row_id: int, code: int | None, kind: str, now: datetime
) -> None:
    """One billing refusal, counted for the officials' delivery figures (no personal data)."""
    eventlog.record(
        session,
        kind=BILLING_EVENT,
        now=now,
        value=str(code),
        data={"outbox_id": row_id, "kind": kind},
    )


def record_quota(session: Session, *, oa_id: str, quota: dict[str, str], now: datetime) -> None:
    """The `quota` object Zalo returned with a send, kept as the OA's latest."""
    eventlog.record(
        session, kind=QUOTA_EVENT, now=now, value=oa_id[:64], data={"oa_id": oa_id, "quota": quota}
    )


def latest_quota(
    session: Session, *, oa_id: str | None = None
) -> tuple[dict[str, Any], datetime] | None:
    """The last `quota` Zalo returned (for this OA, or any), and when; None before any."""
    query = select(EventLog).where(EventLog.kind == QUOTA_EVENT)
    if oa_id is not None:
        query = query.where(EventLog.value == oa_id[:64])
    row = session.exec(query.order_by(col(EventLog.id).desc()).limit(1)).first()
    if row is None:
        return None
    quota = row.data.get("quota")
    return (dict(quota) if isinstance(quota, dict) else {}), row.created_at


def billing_summary(
    session: Session, *, since: datetime, until: datetime, codes: frozenset[int]
) -> dict[str, Any]:
    """Billing refusals in [since, until), the time of the last one ever, and how many
    messages are held for it right now."""
    in_range = session.exec(
        select(func.count()).where(
            EventLog.kind == BILLING_EVENT,
            col(EventLog.created_at) >= since,
            col(EventLog.created_at) < until,
        )
    ).one()
    last = session.exec(
        select(func.max(EventLog.created_at)).where(EventLog.kind == BILLING_EVENT)
    ).one()
    held = session.exec(
        select(func.count()).where(
            Outbox.status == "pending", col(Outbox.error_code).in_(sorted(codes))
        )
    ).one()
    return {"billing": int(in_range or 0), "last_billing_at": last, "held": int(held or 0)}


def release_billing_holds(
    session: Session, *, recipient: str, now: datetime, codes: frozenset[int]
) -> int:
    """The resident wrote again, so the free window is open: their held messages are due now."""
    result = session.execute(
        update(Outbox)
        .where(
            col(Outbox.recipient) == recipient,
            col(Outbox.status) == "pending",
            col(Outbox.error_code).in_(sorted(codes)),
            col(Outbox.next_attempt_at) > now,
        )
        .values(next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
