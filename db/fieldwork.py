"""Queries for the teams' door-to-door work ("Ghi nhận hỗ trợ"): records and their figures."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import Campaign, CampaignOccurrence, FieldVisit, Outbox


def add(
    session: Session,
    *,
    member_id: int,
    village_id: int | None,
    household_key: str,
    household_id: str,
    actions: list[str],
    skills: list[str],
    procedure: str | None,
    people: int | None,
    campaign_id: int | None,
    day: str,
    now: datetime,
) -> FieldVisit:
    row = FieldVisit(
        member_id=member_id,
        village_id=village_id,
        household_key=household_key,
        household_id=household_id,
        actions=actions,
        skills=skills,
        procedure=procedure,
        people=people,
        campaign_id=campaign_id,
        day=day,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, *, visit_id: int) -> FieldVisit | None:
    return session.get(FieldVisit, visit_id)


def update(
    session: Session,
    row: FieldVisit,
    *,
    actions: list[str],
    skills: list[str],
    procedure: str | None,
    people: int | None,
    now: datetime,
) -> FieldVisit:
    row.actions, row.skills, row.procedure, row.people = actions, skills, procedure, people
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def remove(session: Session, row: FieldVisit) -> None:
    session.delete(row)
    session.flush()


def of_member_on(session: Session, *, member_id: int, day: str) -> list[FieldVisit]:
    """A member's records of one day (Vietnam calendar), oldest first."""
    return list(
        session.exec(
            select(FieldVisit)
            .where(FieldVisit.member_id == member_id, FieldVisit.day == day)
            .order_by(col(FieldVisit.id))
        ).all()
    )


def in_range(
    session: Session,
    *,
    since: datetime | None,
    until: datetime | None,
    villages: Collection[int] | None = None,
    members: Collection[int] | None = None,
    campaign_id: int | None = None,
) -> list[FieldVisit]:
    """Records made in [since, until) (open-ended where None), optionally only
    in `villages`, by `members` or on a campaign's day; oldest first."""
    query = select(FieldVisit)
    if until is not None:
        query = query.where(col(FieldVisit.created_at) < until)
    if since is not None:
        query = query.where(col(FieldVisit.created_at) >= since)
    if villages is not None:
        query = query.where(col(FieldVisit.village_id).in_(sorted(villages)))
    if members is not None:
        query = query.where(col(FieldVisit.member_id).in_(sorted(members)))
    if campaign_id is not None:
        query = query.where(FieldVisit.campaign_id == campaign_id)
    return list(session.exec(query.order_by(col(FieldVisit.created_at), col(FieldVisit.id))).all())


@dataclass(frozen=True)
class Fact:
    """A record as the figures read it (no ORM object: a year of records is read at once)."""

    member_id: int
    village_id: int | None
    household_id: str
    actions: tuple[str, ...]
    skills: tuple[str, ...]
    people: int | None
    created_at: datetime


def facts(
    session: Session, *, until: datetime, villages: Collection[int] | None = None
) -> list[Fact]:
    """Every record made before `until` (only in `villages` when given), oldest first."""
    query = sa_select(
        col(FieldVisit.member_id),
        col(FieldVisit.village_id),
        col(FieldVisit.household_id),
        col(FieldVisit.actions),
        col(FieldVisit.skills),
        col(FieldVisit.people),
        col(FieldVisit.created_at),
    ).where(col(FieldVisit.created_at) < until)
    if villages is not None:
        query = query.where(col(FieldVisit.village_id).in_(sorted(villages)))
    rows = session.execute(query.order_by(col(FieldVisit.created_at), col(FieldVisit.id))).all()
    return [Fact(m, v, h, tuple(a or ()), tuple(sk or ()), p, at) for m, v, h, a, sk, p, at in rows]


def campaign_help(session: Session, *, campaign_id: int) -> dict[str, int]:
    """What members recorded on a campaign's day: records, households, people helped."""
    rows = in_range(session, since=None, until=None, campaign_id=campaign_id)
    return {
        "visits": len(rows),
        "households": len({(r.village_id, r.household_id) for r in rows}),
        "people": sum(r.people or 0 for r in rows),
        "members": len({r.member_id for r in rows}),
    }


def count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(FieldVisit)).one())


def campaigns_fired(
    session: Session, *, since: datetime, until: datetime, templates: Collection[str]
) -> list[Campaign]:
    """Campaigns from `templates` with an occurrence sent in [since, until), not cancelled."""
    if not templates:
        return []
    query = (
        select(Campaign)
        .join(CampaignOccurrence, col(CampaignOccurrence.campaign_id) == col(Campaign.id))
        .where(
            col(Campaign.template_id).in_(sorted(templates)),
            col(CampaignOccurrence.fired_at) >= since,
            col(CampaignOccurrence.fired_at) < until,
            col(CampaignOccurrence.status).in_(("on_time", "late")),
            Campaign.status != "cancelled",
        )
        .distinct()
        .order_by(col(Campaign.id))
    )
    return list(session.exec(query).all())


def queued_keys(session: Session, *, prefix: str) -> set[str]:
    """The outbox keys already queued that start with `prefix` (what a job decided before)."""
    rows = session.exec(
        select(Outbox.idempotency_key).where(col(Outbox.idempotency_key).startswith(prefix))
    )
    return set(rows.all())


def campaign_villages(session: Session, *, campaign_id: int) -> list[int]:
    """The villages a campaign was for (none when it does not exist)."""
    campaign = session.get(Campaign, campaign_id)
    return list(campaign.village_ids) if campaign is not None else []
