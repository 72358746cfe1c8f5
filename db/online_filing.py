"""Guided online submissions (`online_filing`): start, move through steps, stuck, done, the
follow-ups and reminders the scheduler sends, and the rows the statistics read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models import HandoffTicket, OnlineFiling, Resident
from db.stats import Window

RESUMABLE = ("active", "cancelled")


def resumable(session: Session, *, resident_id: int, flow: str) -> OnlineFiling | None:
    """The resident's latest unfinished filing in `flow` (active, or cancelled mid-way)."""
    return session.exec(
        select(OnlineFiling)
        .where(
            OnlineFiling.resident_id == resident_id,
            OnlineFiling.flow == flow,
            col(OnlineFiling.status).in_(RESUMABLE),
        )
        .order_by(col(OnlineFiling.id).desc())
        .limit(1)
    ).first()


def latest(session: Session, *, resident_id: int) -> OnlineFiling | None:
    """The resident's most recent filing in any flow."""
    return session.exec(
        select(OnlineFiling)
        .where(OnlineFiling.resident_id == resident_id)
        .order_by(col(OnlineFiling.id).desc())
        .limit(1)
    ).first()


def start(
    session: Session,
    *,
    resident_id: int,
    village_id: int | None,
    flow: str,
    procedure: str,
    step: str,
    now: datetime,
) -> OnlineFiling:
    """A new filing; the resident's other unfinished ones in the same flow are cancelled."""
    session.execute(
        update(OnlineFiling)
        .where(
            col(OnlineFiling.resident_id) == resident_id,
            col(OnlineFiling.flow) == flow,
            col(OnlineFiling.status) == "active",
        )
        .values(status="cancelled", cancelled_at=now)
    )
    filing = OnlineFiling(
        resident_id=resident_id,
        village_id=village_id,
        flow=flow,
        procedure=procedure,
        step=step,
        step_at=now,
        started_at=now,
    )
    session.add(filing)
    session.flush()
    return filing


def at_step(
    session: Session, filing: OnlineFiling, *, step: str, index: int, now: datetime
) -> None:
    """The resident reached `step` (number `index`): a new quiet clock, a new follow-up."""
    if filing.step != step:
        filing.followup_at = None
    filing.step = step
    filing.step_index = index
    filing.max_step_index = max(filing.max_step_index, index)
    filing.step_at = now
    if filing.status == "cancelled":
        filing.status = "active"
        filing.cancelled_at = None
    session.add(filing)


def stuck(session: Session, filing: OnlineFiling, *, step: str, now: datetime) -> None:
    filing.stuck_step = step
    filing.stuck_at = now
    session.add(filing)


def cancel(session: Session, filing: OnlineFiling, *, now: datetime) -> None:
    if filing.status == "active":
        filing.status = "cancelled"
        filing.cancelled_at = now
        session.add(filing)


def complete(session: Session, filing: OnlineFiling, *, now: datetime) -> None:
    if filing.status != "completed":
        filing.status = "completed"
        filing.completed_at = now
        session.add(filing)


def set_ticket(session: Session, filing: OnlineFiling, *, ticket_id: int | None) -> None:
    filing.ticket_id = ticket_id
    session.add(filing)


def set_reminder(
    session: Session, filing: OnlineFiling, *, code: str | None, remind_at: datetime | None
) -> None:
    filing.dossier_code = code
    filing.remind_at = remind_at
    session.add(filing)


@dataclass(frozen=True)
class Due:
    filing: OnlineFiling
    zalo_user_id: str


def quiet(session: Session, *, quiet_since: datetime, interacted_after: datetime) -> list[Due]:
    """Active filings on a numbered step since before `quiet_since`, not yet followed up,
    whose resident interacted after `interacted_after` (inside Zalo's free window)."""
    rows = session.exec(
        select(OnlineFiling, Resident.zalo_user_id)
        .join(Resident, col(Resident.id) == col(OnlineFiling.resident_id))
        .where(
            OnlineFiling.status == "active",
            col(OnlineFiling.followup_at).is_(None),
            col(OnlineFiling.step_index) >= 1,
            col(OnlineFiling.step_at) <= quiet_since,
            col(Resident.last_interaction_at) > interacted_after,
        )
        .order_by(col(OnlineFiling.id))
    ).all()
    return [Due(filing, zalo) for filing, zalo in rows]


def mark_followed_up(session: Session, filing: OnlineFiling, *, now: datetime) -> None:
    filing.followup_at = now
    if filing.stuck_step is None or filing.stuck_step != filing.step:
        filing.stuck_step = filing.step
        filing.stuck_at = now
    session.add(filing)


def reminders_due(session: Session, *, now: datetime) -> list[tuple[Due, datetime | None]]:
    """Filings whose result reminder is due: (the filing and its resident, their last
    interaction)."""
    rows = session.exec(
        select(OnlineFiling, Resident.zalo_user_id, Resident.last_interaction_at)
        .join(Resident, col(Resident.id) == col(OnlineFiling.resident_id))
        .where(
            col(OnlineFiling.remind_at).is_not(None),
            col(OnlineFiling.remind_at) <= now,
            col(OnlineFiling.reminded_at).is_(None),
        )
        .order_by(col(OnlineFiling.id))
    ).all()
    return [(Due(filing, zalo), last) for filing, zalo, last in rows]


def mark_reminded(session: Session, filing: OnlineFiling, *, now: datetime) -> None:
    """The reminder is done (sent or out of reach): the dossier code is deleted."""
    filing.reminded_at = now
    filing.dossier_code = None
    session.add(filing)


@dataclass(frozen=True)
class FilingRow:
    """What the statistics need of one filing started in the window."""

    flow: str
    procedure: str
    village_id: int | None
    started_at: datetime
    status: str
    max_step_index: int
    stuck_step: str | None
    followed_up: bool
    handed: bool
    resolved: bool
    completed_at: datetime | None


def rows(session: Session, window: Window) -> list[FilingRow]:
    """Every filing started in the window (and in its villages), with its ticket's status."""
    f = OnlineFiling
    conditions = [col(f.started_at) >= window.start, col(f.started_at) < window.end]
    if window.villages is not None:
        conditions.append(col(f.village_id).in_(sorted(window.villages)))
    query = (
        select(f, HandoffTicket.status)
        .join(HandoffTicket, col(HandoffTicket.id) == col(f.ticket_id), isouter=True)
        .where(*conditions)
        .order_by(col(f.id))
    )
    out = []
    for filing, ticket_status in session.exec(query).all():
        out.append(
            FilingRow(
                flow=filing.flow,
                procedure=filing.procedure,
                village_id=filing.village_id,
                started_at=filing.started_at,
                status=filing.status,
                max_step_index=filing.max_step_index,
                stuck_step=filing.stuck_step,
                followed_up=filing.followup_at is not None,
                handed=filing.ticket_id is not None,
                resolved=ticket_status == "resolved",
                completed_at=filing.completed_at,
            )
        )
    return out
