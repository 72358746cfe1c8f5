"""Residents: created on first contact, updated on each interaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models import Resident


def get(session: Session, *, resident_id: int) -> Resident | None:
    return session.get(Resident, resident_id)


def get_by_zalo_id(session: Session, *, zalo_user_id: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.zalo_user_id == zalo_user_id)).first()


def touch(
    session: Session,
    *,
    zalo_user_id: str,
    now: datetime,
    interacted: bool,
    display_name: str | None = None,
) -> Resident:
    """The resident with this Zalo id (created when new); last seen/interaction updated."""
    resident = get_by_zalo_id(session, zalo_user_id=zalo_user_id)
    if resident is None:
        resident = Resident(zalo_user_id=zalo_user_id, first_seen_at=now, last_seen_at=now)
    resident.last_seen_at = now
    if interacted:
        resident.last_interaction_at = now
    if display_name:
        resident.display_name = display_name[:200]
    session.add(resident)
    session.flush()
    return resident


def set_following(session: Session, *, resident: Resident, following: bool, now: datetime) -> None:
    resident.is_follower = following
    if following:
        resident.followed_at = now
    else:
        resident.unfollowed_at = now
    session.add(resident)


def set_village(session: Session, *, resident: Resident, village_id: int | None) -> None:
    resident.village_id = village_id
    session.add(resident)


def set_household(session: Session, *, resident: Resident, household_key: str | None) -> None:
    resident.household_key = household_key
    session.add(resident)


def set_news_opt_in(
    session: Session, *, resident: Resident, opt_in: bool, now: datetime | None = None
) -> None:
    """Village news on or off; `now` is when the resident consented (kept while it holds)."""
    resident.news_opt_in = opt_in
    resident.news_opt_in_at = now if opt_in else None
    session.add(resident)


def mark_news_offered(session: Session, *, resident: Resident, now: datetime) -> None:
    resident.news_offered_at = now
    session.add(resident)


def mark_village_asked(session: Session, *, resident: Resident, now: datetime) -> None:
    resident.village_asked_at = now
    session.add(resident)


def answer_village(
    session: Session, *, resident: Resident, village_id: int | None, now: datetime
) -> None:
    """The resident answered the village question: `village_id`, or None for "Bỏ qua"
    (the village they had stays)."""
    if village_id is not None:
        resident.village_id = village_id
    resident.village_answered_at = now
    session.add(resident)


def unnamed(session: Session, *, limit: int) -> list[str]:
    """Zalo ids of residents whose display name was never asked for, oldest first."""
    rows = session.exec(
        select(Resident.zalo_user_id)
        .where(col(Resident.display_name).is_(None))
        .order_by(col(Resident.id))
        .limit(limit)
    ).all()
    return list(rows)


def set_display_name(session: Session, *, zalo_user_id: str, name: str) -> None:
    """Store the name Zalo gave ("" when it gave none, so it is asked only once)."""
    row = get_by_zalo_id(session, zalo_user_id=zalo_user_id)
    if row is not None:
        row.display_name = name[:200]
        session.add(row)
