"""Campaign rows: campaigns, occurrences, deliveries; fan-out writes, outbox results, reports.

Every fan-out write uses an idempotency key (campaign id + occurrence key + target), and is
made in one transaction with the outbox rows it queues, so a run repeated after a crash
creates and sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import (
    Campaign,
    CampaignDelivery,
    CampaignOccurrence,
    Outbox,
    Resident,
    Village,
    ZaloGroup,
)
from db.rows import write
from db.upsert import insert_ignore, insert_ignore_many, table_of

ACTIVE = ("scheduled", "pending_approval", "paused")
DELIVERY_STATES = ("pending", "sent", "failed", "skipped")


def occurrence_key(at: datetime) -> str:
    """The occurrence's nominal time in UTC, e.g. 20261206T0030Z."""
    return at.strftime("%Y%m%dT%H%MZ")


# -- campaigns -------------------------------------------------------------------------------


def add(session: Session, campaign: Campaign) -> Campaign:
    session.add(campaign)
    session.flush()
    return campaign


def save(session: Session, campaign: Campaign, *, now: datetime, **changes: Any) -> Campaign:
    """Write `changes` (column name → value) to `campaign`, stamped `updated_at=now`."""
    return write(session, campaign, {**changes, "updated_at": now})


def get(session: Session, *, campaign_id: int, lock: bool = False) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def listing(
    session: Session,
    *,
    village_ids: frozenset[int] | None = None,
    member_id: int | None = None,
    statuses: tuple[str, ...] | None = None,
    limit: int = 200,
) -> list[Campaign]:
    """Campaigns newest first; within a scope of villages (every village aimed at must be in
    it), or created by one team member."""
    query = select(Campaign).order_by(col(Campaign.id).desc())
    if statuses:
        query = query.where(col(Campaign.status).in_(statuses))
    if member_id is not None:
        query = query.where(Campaign.created_by_member_id == member_id)
    rows = list(session.exec(query.limit(limit * 5 if village_ids is not None else limit)).all())
    if village_ids is not None:
        rows = [c for c in rows if c.village_ids and set(c.village_ids) <= village_ids]
    return rows[:limit]


def due(session: Session, *, now: datetime, campaign_id: int | None = None) -> list[Campaign]:
    """Scheduled campaigns whose next occurrence has come, locked (others skip them)."""
    query = (
        select(Campaign)
        .where(Campaign.status == "scheduled", col(Campaign.next_run_at) <= now)
        .order_by(col(Campaign.next_run_at))
        .with_for_update(skip_locked=True)
    )
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    return list(session.exec(query).all())


def scheduled(session: Session) -> list[Campaign]:
    return list(
        session.exec(
            select(Campaign).where(
                Campaign.status == "scheduled", col(Campaign.next_run_at).is_not(None)
            )
        ).all()
    )


# -- occurrences and deliveries ---------------------------------------------------------------


def add_occurrence(
    session: Session,
    *,
    campaign_id: int,
    key: str,
    scheduled_at: datetime,
    fired_at: datetime,
    status: str,
    note: str | None = None,
) -> int | None:
    """A new occurrence row; None when this occurrence was recorded already."""
    table = table_of(CampaignOccurrence)
    values = {
        "campaign_id": campaign_id,
        "key": key,
        "scheduled_at": scheduled_at,
        "fired_at": fired_at,
        "status": status,
        "targets": 0,
        "note": note,
    }
    new_id: int | None = insert_ignore(session, table, values, returning=table.c.id)
    return new_id


def set_occurrence_targets(session: Session, *, occurrence_id: int, targets: int) -> None:
    row = session.get(CampaignOccurrence, occurrence_id)
    if row is not None:
        row.targets = targets
        session.add(row)


def occurrences(session: Session, *, campaign_id: int) -> list[CampaignOccurrence]:
    return list(
        session.exec(
            select(CampaignOccurrence)
            .where(CampaignOccurrence.campaign_id == campaign_id)
            .order_by(col(CampaignOccurrence.scheduled_at))
        ).all()
    )


def add_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert delivery rows (all with the same keys); a row whose idempotency key exists
    already is left alone."""
    insert_ignore_many(session, table_of(CampaignDelivery), rows)


def delivery_ids(session: Session, *, keys: list[str]) -> dict[str, int]:
    """{idempotency key: id} of the deliveries with these keys."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for key, row_id in session.execute(
            sa_select(col(CampaignDelivery.idempotency_key), col(CampaignDelivery.id)).where(
                col(CampaignDelivery.idempotency_key).in_(chunk)
            )
        ).all():
            found[str(key)] = int(row_id)
    return found


def link_outbox(session: Session, *, occurrence_id: int) -> None:
    """Point each pending delivery of an occurrence at its outbox row, which carries the
    same idempotency key (one statement instead of one per delivery)."""
    session.execute(
        update(CampaignDelivery)
        .where(
            col(CampaignDelivery.occurrence_id) == occurrence_id,
            col(CampaignDelivery.outbox_id).is_(None),
        )
        .values(
            outbox_id=sa_select(col(Outbox.id))
            .where(col(Outbox.idempotency_key) == CampaignDelivery.idempotency_key)
            .scalar_subquery()
        )
    )


def delivery(session: Session, *, delivery_id: int, lock: bool = False) -> CampaignDelivery | None:
    query = select(CampaignDelivery).where(CampaignDelivery.id == delivery_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def deliveries(
    session: Session, *, campaign_id: int, limit: int | None = None
) -> list[CampaignDelivery]:
    query = (
        select(CampaignDelivery)
        .where(CampaignDelivery.campaign_id == campaign_id)
        .order_by(col(CampaignDelivery.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def sync_from_outbox(
    session: Session, *, window_codes: frozenset[int], reason_of: Any, limit: int = 5000
) -> int:
    """Copy the outbox's outcome into pending deliveries (and read receipts into sent ones);
    the number of deliveries changed. `reason_of(code, message)` words a failure."""
    rows = session.exec(
        select(CampaignDelivery, Outbox)
        .join(Outbox, col(Outbox.id) == col(CampaignDelivery.outbox_id))
        .where(
            (
                (col(CampaignDelivery.status) == "pending")
                & col(Outbox.status).in_(("sent", "failed", "skipped"))
            )
            | (
                (col(CampaignDelivery.status) == "sent")
                & col(CampaignDelivery.seen_at).is_(None)
                & col(Outbox.seen_at).is_not(None)
            )
        )
        .limit(limit)
    ).all()
    for row, box in rows:
        if box.status == "sent":
            row.status = "sent"
            row.sent_at = box.sent_at
            row.seen_at = box.seen_at
            row.error_code = None
            row.reason = None
        else:
            code = box.error_code
            closed = box.status == "skipped" or (code is not None and code in window_codes)
            row.status = "skipped" if closed else "failed"
            row.error_code = code
            row.reason = reason_of(code, box.error_message)
        session.add(row)
    return len(rows)


def relay_siblings(
    session: Session, *, delivery: CampaignDelivery, lock: bool = False
) -> list[CampaignDelivery]:
    """The relays of the same occurrence and group (this one included), in id order: every
    member asked to forward the same post into the same group."""
    if delivery.relay_group_id is None:
        return [delivery]
    query = (
        select(CampaignDelivery)
        .where(
            CampaignDelivery.occurrence_id == delivery.occurrence_id,
            CampaignDelivery.target_kind == "relay",
            CampaignDelivery.relay_group_id == delivery.relay_group_id,
        )
        .order_by(col(CampaignDelivery.id))
    )
    if lock:
        query = query.with_for_update()
    return list(session.exec(query).all())


def confirm_relay(
    session: Session, *, delivery_id: int, by: str, now: datetime
) -> tuple[CampaignDelivery | None, bool, list[CampaignDelivery]]:
    """Record "Đã chuyển vào nhóm" for the group of this relay: every member asked for the
    same group is marked as done by `by`. (the delivery, whether this tap was the group's
    first, the other members' relays it closed). Those still queued are withdrawn."""
    row = delivery(session, delivery_id=delivery_id)
    if row is None or row.target_kind != "relay":
        return None, False, []
    group = relay_siblings(session, delivery=row, lock=True)
    if any(d.relay_confirmed_at is not None for d in group):
        session.refresh(row)
        return row, False, []
    others = []
    for d in group:
        d.relay_confirmed_at = now
        d.relay_confirmed_by = by
        if d.id == row.id and d.status == "pending":
            d.status = "sent"  # the tap proves the post arrived
            d.sent_at = d.sent_at or now
        elif d.id != row.id:
            others.append(d)
        session.add(d)
    _withdraw_queued(session, [d for d in others if d.status == "pending"], by=by)
    return row, True, [d for d in others if d.status == "sent"]


def _withdraw_queued(session: Session, rows: list[CampaignDelivery], *, by: str) -> None:
    """Relays whose post and ask were not tried yet: not needed any more."""
    for row in rows:
        keys = (row.idempotency_key, f"{row.idempotency_key}:ask")
        result = session.execute(
            update(Outbox)
            .where(
                col(Outbox.idempotency_key).in_(keys),
                col(Outbox.status).in_(("pending", "held")),
                col(Outbox.attempts) == 0,
            )
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            row.status = "skipped"
            row.reason = f"{by} đã chuyển tin vào nhóm này"[:500]
            session.add(row)


def relays_to_remind(session: Session, *, sent_before: datetime) -> list[CampaignDelivery]:
    """Relays sent before `sent_before`, not confirmed nor reminded yet, of campaigns that are
    neither paused nor cancelled."""
    return list(
        session.exec(
            select(CampaignDelivery)
            .join(Campaign, col(Campaign.id) == col(CampaignDelivery.campaign_id))
            .where(
                col(Campaign.status).not_in(("paused", "cancelled")),
                CampaignDelivery.target_kind == "relay",
                CampaignDelivery.status == "sent",
                col(CampaignDelivery.relay_confirmed_at).is_(None),
                col(CampaignDelivery.reminded_at).is_(None),
                col(CampaignDelivery.sent_at) <= sent_before,
            )
            .with_for_update(skip_locked=True, of=CampaignDelivery)
        ).all()
    )


def mark_reminded(session: Session, *, delivery: CampaignDelivery, now: datetime) -> None:
    """A relay's one reminder is done (queued, or not needed: its campaign was cancelled)."""
    write(session, delivery, {"reminded_at": now})


def _queued(campaign_id: int, statuses: tuple[str, ...]) -> Any:
    """An UPDATE of the campaign's outbox rows in `statuses`: its posts and the relay
    requests that follow them (their idempotency keys start with `camp:<id>:`)."""
    return (
        update(Outbox)
        .where(
            col(Outbox.idempotency_key).startswith(f"camp:{campaign_id}:"),
            col(Outbox.status).in_(statuses),
        )
        .execution_options(synchronize_session=False)
    )


def hold_pending(session: Session, *, campaign_id: int) -> int:
    """Pause: a campaign's queued sends wait as `held` (the sender only takes `pending`);
    the number held. A send already in flight finishes."""
    result = session.execute(_queued(campaign_id, ("pending",)).values(status="held"))
    return int(getattr(result, "rowcount", 0) or 0)


def release_held(session: Session, *, campaign_id: int, now: datetime) -> int:
    """Resume: held sends are queued again, due now; the number released."""
    result = session.execute(
        _queued(campaign_id, ("held",)).values(status="pending", next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def cancel_pending(session: Session, *, campaign_id: int) -> int:
    """Cancel a campaign's queued (or held) sends that were never tried; the number cancelled."""
    rows = session.exec(
        select(CampaignDelivery, Outbox)
        .join(Outbox, col(Outbox.id) == col(CampaignDelivery.outbox_id))
        .where(
            CampaignDelivery.campaign_id == campaign_id,
            CampaignDelivery.status == "pending",
            col(Outbox.status).in_(("pending", "held")),
            Outbox.attempts == 0,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for row, box in rows:
        box.status = "cancelled"
        row.status = "skipped"
        row.reason = "Chiến dịch đã bị hủy trước khi gửi"
        session.add(box)
        session.add(row)
    session.flush()
    # What is left queued of it (the relay requests after withdrawn posts) goes too.
    session.execute(
        _queued(campaign_id, ("pending", "held"))
        .where(col(Outbox.attempts) == 0)
        .values(status="cancelled")
    )
    return len(rows)


# -- targets ----------------------------------------------------------------------------------


def groups_of(
    session: Session, *, village_ids: list[int], commune_level: bool = False
) -> list[ZaloGroup]:
    """The groups of these villages (and the commune-level groups, without a village)."""
    where: ColumnElement[bool] = col(ZaloGroup.village_id).in_(village_ids)
    if commune_level:
        where = or_(where, col(ZaloGroup.village_id).is_(None))
    return list(session.exec(select(ZaloGroup).where(where).order_by(col(ZaloGroup.id))).all())


def followers_of(session: Session, *, village_ids: list[int]) -> list[Resident]:
    """Residents of these villages who follow the OA or asked for its news (a campaign's
    report lists each of them, sent or skipped with the reason)."""
    return list(
        session.exec(
            select(Resident)
            .where(
                col(Resident.village_id).in_(village_ids),
                or_(col(Resident.news_opt_in).is_(True), col(Resident.is_follower).is_(True)),
            )
            .order_by(col(Resident.id))
        ).all()
    )


def villages_by_code(session: Session) -> dict[str, Village]:
    return {v.code: v for v in session.exec(select(Village)).all()}
