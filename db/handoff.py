"""Handoff tickets: create, find, and move through open → accepted → resolved | cancelled.

Every status change is one conditional UPDATE (`... WHERE status = 'open'`), so when two
team members tap "Nhận hỗ trợ" at the same moment exactly one of them gets the ticket.

Statistics (`summary`, `by_village`, `by_member`) read the ticket table, bounded by a
`db.stats.Window`; medians are computed in Python so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, update
from sqlmodel import Session, col, select

from db.models import HandoffTicket, TeamMember
from db.models.handoff import ACTIVE, NEED_MAX, WHEN_HOME_MAX
from db.stats import Window


def create(
    session: Session,
    *,
    resident_id: int,
    village_id: int | None,
    need: str,
    when_home: str | None,
    now: datetime,
) -> HandoffTicket:
    """A new open ticket (texts are cut to the column sizes)."""
    ticket = HandoffTicket(
        resident_id=resident_id,
        village_id=village_id,
        need=need[:NEED_MAX],
        when_home=when_home[:WHEN_HOME_MAX] if when_home else None,
        status="open",
        created_at=now,
    )
    session.add(ticket)
    session.flush()
    return ticket


def get(session: Session, *, ticket_id: int) -> HandoffTicket | None:
    return session.get(HandoffTicket, ticket_id)


def active_for_resident(session: Session, *, resident_id: int) -> HandoffTicket | None:
    """The resident's request still going (open or accepted), the newest if several."""
    return session.exec(
        select(HandoffTicket)
        .where(HandoffTicket.resident_id == resident_id, col(HandoffTicket.status).in_(ACTIVE))
        .order_by(col(HandoffTicket.created_at).desc(), col(HandoffTicket.id).desc())
    ).first()


def accepted_by_member(session: Session, *, member_id: int) -> list[HandoffTicket]:
    """The tickets a team member holds now, the most recently accepted first."""
    return list(
        session.exec(
            select(HandoffTicket)
            .where(
                HandoffTicket.assigned_member_id == member_id,
                HandoffTicket.status == "accepted",
            )
            .order_by(col(HandoffTicket.accepted_at).desc(), col(HandoffTicket.id).desc())
        ).all()
    )


def _transition(session: Session, ticket_id: int, *conditions: Any, **values: Any) -> bool:
    result = session.execute(
        update(HandoffTicket)
        .where(col(HandoffTicket.id) == ticket_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def accept(session: Session, *, ticket_id: int, member_id: int, now: datetime) -> bool:
    """Give an open ticket to `member_id`; False when it is no longer open (someone was first)."""
    return _transition(
        session,
        ticket_id,
        HandoffTicket.status == "open",
        status="accepted",
        assigned_member_id=member_id,
        accepted_at=now,
    )


def release(session: Session, *, ticket_id: int, member_id: int) -> bool:
    """The member hands the ticket back: open again, for anyone to accept."""
    return _transition(
        session,
        ticket_id,
        HandoffTicket.status == "accepted",
        HandoffTicket.assigned_member_id == member_id,
        status="open",
        assigned_member_id=None,
        accepted_at=None,
    )


def resolve(session: Session, *, ticket_id: int, now: datetime) -> bool:
    """Close an accepted ticket as done."""
    return _transition(
        session,
        ticket_id,
        HandoffTicket.status == "accepted",
        status="resolved",
        resolved_at=now,
    )


def cancel(session: Session, *, ticket_id: int, now: datetime) -> bool:
    """The resident withdraws a request that is still open."""
    return _transition(
        session,
        ticket_id,
        HandoffTicket.status == "open",
        status="cancelled",
        cancelled_at=now,
    )


def due_for_escalation(
    session: Session, *, created_before: datetime, limit: int = 100
) -> list[HandoffTicket]:
    """Open tickets never escalated and older than `created_before`, locked for this
    transaction (rows another process is escalating are skipped)."""
    return list(
        session.exec(
            select(HandoffTicket)
            .where(
                HandoffTicket.status == "open",
                col(HandoffTicket.escalated_at).is_(None),
                col(HandoffTicket.created_at) <= created_before,
            )
            .order_by(col(HandoffTicket.created_at), col(HandoffTicket.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def mark_escalated(session: Session, *, ticket: HandoffTicket, now: datetime) -> None:
    ticket.escalated_at = now
    session.add(ticket)
    session.flush()


# -- statistics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffCounts:
    """Handoffs in a window. `open_now` (waiting for someone) and `in_progress_now`
    (accepted, not yet resolved) are the current state, not bounded by the window."""

    requested: int = 0
    accepted: int = 0
    resolved: int = 0
    cancelled: int = 0
    escalated: int = 0
    median_minutes_to_accept: float | None = None
    open_now: int = 0
    in_progress_now: int = 0


@dataclass(frozen=True)
class MemberHandoffs:
    member_id: int
    name: str
    accepted: int
    resolved: int
    median_minutes_to_accept: float | None
    in_progress_now: int


def _in(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window.start, column < window.end)


def _villages(window: Window) -> list[ColumnElement[bool]]:
    if window.villages is None:
        return []
    return [col(HandoffTicket.village_id).in_(sorted(window.villages))]


# `key` None: one group for everything (reported under the key None, even with no ticket).
def _count_by(
    session: Session, key: Any | None, conditions: dict[str, ColumnElement[bool]], window: Window
) -> dict[Any, dict[str, int]]:
    """key → {name: tickets meeting `conditions[name]`}, in one query; keys with no ticket
    meeting any condition are left out."""
    counts = [func.count().filter(condition) for condition in conditions.values()]
    query = select(*counts) if key is None else select(key, *counts).group_by(key)
    rows = session.execute(query.select_from(HandoffTicket).where(*_villages(window))).all()
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        group, values = (None, row) if key is None else (row[0], row[1:])
        if key is None or any(values):
            out[group] = {name: int(n) for name, n in zip(conditions, values, strict=True)}
    return out


def _minutes_to_accept(session: Session, key: Any | None, window: Window) -> dict[Any, list[float]]:
    group = col(HandoffTicket.id) if key is None else key
    rows = session.execute(
        select(group, col(HandoffTicket.created_at), col(HandoffTicket.accepted_at)).where(
            _in(col(HandoffTicket.accepted_at), window), *_villages(window)
        )
    ).all()
    out: dict[Any, list[float]] = defaultdict(list)
    for value, created, accepted in rows:
        out[None if key is None else value].append((accepted - created).total_seconds() / 60)
    return out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _grouped(session: Session, key: Any | None, window: Window) -> dict[Any, HandoffCounts]:
    t = HandoffTicket
    counts = _count_by(
        session,
        key,
        {
            "requested": _in(col(t.created_at), window),
            "accepted": _in(col(t.accepted_at), window),
            "resolved": _in(col(t.resolved_at), window),
            "cancelled": _in(col(t.cancelled_at), window),
            "escalated": _in(col(t.escalated_at), window),
            "open_now": col(t.status) == "open",
            "in_progress_now": col(t.status) == "accepted",
        },
        window,
    )
    minutes = _minutes_to_accept(session, key, window)
    zero = dict.fromkeys(HandoffCounts.__dataclass_fields__, 0)
    del zero["median_minutes_to_accept"]
    return {
        k: HandoffCounts(
            **counts.get(k, zero), median_minutes_to_accept=_median(minutes.get(k, []))
        )
        for k in set(minutes) | set(counts)
    }


def summary(session: Session, window: Window) -> HandoffCounts:
    """Requested, accepted, resolved, cancelled, escalated in the window; median minutes
    from request to acceptance (tickets accepted in the window); open and in progress now."""
    return _grouped(session, None, window).get(None, HandoffCounts())


def by_village(session: Session, window: Window) -> dict[int | None, HandoffCounts]:
    """The same figures per village id (None: requests made at commune level)."""
    return _grouped(session, col(HandoffTicket.village_id), window)


def by_member(session: Session, window: Window) -> list[MemberHandoffs]:
    """Per team member holding or having closed tickets: accepted and resolved in the
    window, median minutes to accept, tickets in progress now. Tickets a member handed
    back count for whoever accepted them next."""
    grouped = _grouped(session, col(HandoffTicket.assigned_member_id), window)
    ids = sorted(k for k in grouped if k is not None)
    names = {
        m.id: m.name
        for m in session.exec(select(TeamMember).where(col(TeamMember.id).in_(ids))).all()
    }
    return [
        MemberHandoffs(
            member_id=k,
            name=names.get(k, "?"),
            accepted=grouped[k].accepted,
            resolved=grouped[k].resolved,
            median_minutes_to_accept=grouped[k].median_minutes_to_accept,
            in_progress_now=grouped[k].in_progress_now,
        )
        for k in ids
    ]


def reload(session: Session, *, ticket: HandoffTicket) -> None:
    """Read `ticket` again (another turn may have changed it in the meantime)."""
    session.refresh(ticket)
