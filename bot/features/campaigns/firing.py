"""Firing occurrences. A due occurrence is sent at once; one that is late by at most
`campaign_grace_min` is sent and marked late; an older one is recorded as missed, never sent
hours late by surprise. When several occurrences were missed, only the latest can be sent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.features.campaigns import schedule as sched
from bot.features.campaigns.fanout import fan_out
from bot.features.campaigns.spec import Context, schedule_of
from db import campaigns as rows
from db.models import Campaign
from db.session import session_scope

log = logging.getLogger(__name__)

# An occurrence fired within this long of its time is "on time"; later ones are "late".
ON_TIME = timedelta(minutes=2)
MAX_CATCH_UP = 1000


def run_due(engine: Engine, *, now: datetime, ctx: Context, campaign_id: int | None = None) -> int:
    """Fire every due occurrence (one transaction per campaign); the number of deliveries
    created."""
    created = 0
    with session_scope(engine) as session:
        due_ids = [c.id for c in rows.due(session, now=now, campaign_id=campaign_id)]
    for cid in due_ids:
        assert cid is not None
        with session_scope(engine) as session:
            locked = rows.due(session, now=now, campaign_id=cid)
            if locked:
                created += _fire(session, locked[0], now=now, ctx=ctx)
    return created


def _due_times(
    campaign: Campaign, schedule: sched.Schedule, now: datetime, ctx: Context
) -> tuple[list[datetime], datetime | None]:
    """The occurrences due by `now` (at most MAX_CATCH_UP), and the next one after them."""
    due: list[datetime] = []
    at = campaign.next_run_at
    while at is not None and at <= now and len(due) < MAX_CATCH_UP:
        due.append(at)
        at = sched.next_after(schedule, at, tz=ctx.settings.tz)
    return due, at


def _verdict(
    campaign: Campaign, key: str, when: datetime, *, last: bool, now: datetime, grace: timedelta
) -> tuple[str, str | None]:
    """An occurrence's status (on_time, late, missed, skipped) and the note explaining it."""
    late = now - when
    if key in campaign.skip_keys:
        return "skipped", "bỏ qua theo yêu cầu"
    if not last:
        return "missed", "đã qua, có lần gửi sau thay thế"
    if late > grace:
        return "missed", f"trễ {int(late.total_seconds() // 60)} phút, quá thời gian cho phép"
    if late > ON_TIME:
        return "late", f"gửi trễ {int(late.total_seconds() // 60)} phút"
    return "on_time", None


def _fire(session: Session, campaign: Campaign, *, now: datetime, ctx: Context) -> int:
    assert campaign.id is not None
    grace = timedelta(minutes=ctx.settings.campaign_grace_min)
    due, at = _due_times(campaign, schedule_of(campaign), now, ctx)
    created = 0
    for i, when in enumerate(due):
        key = rows.occurrence_key(when)
        last = i == len(due) - 1
        status, note = _verdict(campaign, key, when, last=last, now=now, grace=grace)
        occurrence_id = rows.add_occurrence(
            session,
            campaign_id=campaign.id,
            key=key,
            scheduled_at=when,
            fired_at=now,
            status=status,
            note=note,
        )
        if occurrence_id is None or status in ("missed", "skipped"):
            if status == "missed" and occurrence_id is not None:
                log.warning("campaign %s occurrence %s missed (%s)", campaign.id, key, note)
            continue
        n = fan_out(session, campaign, occurrence_id, key, now=now, ctx=ctx)
        rows.set_occurrence_targets(session, occurrence_id=occurrence_id, targets=n)
        created += n
    if at is None:
        rows.save(session, campaign, now=now, next_run_at=None, status="done")
    else:
        rows.save(session, campaign, now=now, next_run_at=at)
    return created
