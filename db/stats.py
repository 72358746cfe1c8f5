"""Aggregate queries for the statistics, read from the daily rollups (`db/rollup.py`).

Reports first roll up what is pending, then read `stat_day` (counts per Vietnam day,
village, kind, flow, step, value), `stat_active_day` and `stat_step_day` (for distinct
residents). Days are Vietnam days: UTC + 7 hours (Vietnam has no daylight saving time).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlmodel
from sqlalchemy import (
    ColumnElement,
    Numeric,
    String,
    and_,
    cast,
    exists,
    extract,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlmodel import Session, col

from db.models import (
    InboundEvent,
    Outbox,
    Resident,
    ScamReport,
    StatActiveCount,
    StatActiveDay,
    StatDay,
    StatStepDay,
    Village,
)
from db.rollup import vn_day


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, and the villages to count (None = all)."""

    start: datetime
    end: datetime
    villages: frozenset[int] | None = None

    @property
    def first_day(self) -> str:
        return vn_day(self.start)

    @property
    def last_day(self) -> str:
        return vn_day(self.end - timedelta(microseconds=1))


def _true() -> ColumnElement[bool]:
    return literal_column("1") == literal_column("1")


def _villages(column: Any, window: Window) -> ColumnElement[bool]:
    """Rollups store an unknown village as 0; a village filter never includes it."""
    if window.villages is None:
        return _true()
    return col(column).in_(sorted(window.villages))


def _days(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window.first_day, column <= window.last_day)


def _day_rows(window: Window, *kinds: str) -> Any:
    return (
        col(StatDay.kind).in_(list(kinds)),
        _days(col(StatDay.day), window),
        _villages(StatDay.village_id, window),
    )


def _village_id(value: int) -> int | None:
    return value or None


# -- residents and followers -------------------------------------------------------------


def follower_totals(session: Session, window: Window) -> dict[str, int]:
    """Now: followers, and followers whose village is known (within the window's villages)."""
    if window.villages is None:
        village = _true()
    else:
        village = col(Resident.village_id).in_(sorted(window.villages))
    row = session.execute(
        select(
            func.count().filter(col(Resident.is_follower)),
            func.count().filter(
                and_(col(Resident.is_follower), col(Resident.village_id).is_not(None))
            ),
        ).where(village)
    ).one()
    return {"total": int(row[0]), "with_village": int(row[1])}


def followers_by_village(session: Session, window: Window) -> list[dict[str, Any]]:
    """Every village in the window (zeros included), plus residents with no known village."""
    village = (
        _true()
        if window.villages is None
        else col(Resident.village_id).in_(sorted(window.villages))
    )
    counts = {
        v: (int(f), int(n))
        for v, f, n in session.execute(
            select(
                col(Resident.village_id),
                func.count().filter(col(Resident.is_follower)),
                func.count(),
            )
            .where(village)
            .group_by(col(Resident.village_id))
        ).all()
    }
    ids: list[int | None] = [
        v.id
        for v in session.exec(sqlmodel.select(Village)).all()
        if v.id is not None and (window.villages is None or v.id in window.villages)
    ]
    if None in counts:
        ids.append(None)
    zero = (0, 0)
    return [
        {"village_id": v, "followers": counts.get(v, zero)[0], "residents": counts.get(v, zero)[1]}
        for v in ids
    ]


def follows_by_day(session: Session, window: Window) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(col(StatDay.day), col(StatDay.kind), func.sum(StatDay.events))
        .where(*_day_rows(window, "follow", "unfollow"))
        .group_by(col(StatDay.day), col(StatDay.kind))
    ).all()
    for day, kind, n in rows:
        out.setdefault(str(day), {"follow": 0, "unfollow": 0})[str(kind)] = int(n)
    return out


# -- activity ------------------------------------------------------------------------------


def count_kind(session: Session, window: Window, kind: str) -> int:
    total = session.execute(
        select(func.coalesce(func.sum(StatDay.events), 0)).where(*_day_rows(window, kind))
    ).scalar_one()
    return int(total)


def sum_kind_values(session: Session, window: Window, kind: str) -> int:
    """Sum of events × numeric value (message_out stores how many messages went out)."""
    rows = session.execute(
        select(col(StatDay.value), func.sum(StatDay.events))
        .where(*_day_rows(window, kind))
        .group_by(col(StatDay.value))
    ).all()
    return sum(int(v) * int(n) for v, n in rows if str(v).isdigit())


def per_day(
    session: Session, window: Window, kinds: Sequence[str], *, distinct_residents: bool = False
) -> dict[str, int]:
    if distinct_residents:
        c = StatActiveCount
        rows = session.execute(
            select(col(c.day), func.sum(c.residents))
            .where(_days(col(c.day), window), _villages(c.village_id, window))
            .group_by(col(c.day))
        ).all()
    else:
        rows = session.execute(
            select(col(StatDay.day), func.sum(StatDay.events))
            .where(*_day_rows(window, *kinds))
            .group_by(col(StatDay.day))
        ).all()
    return {str(d): int(n) for d, n in rows}


def distinct_residents(session: Session, window: Window) -> int:
    """Residents who wrote to the OA at least once in the window.

    Counted as each resident's first active day in the window (`prev_day` before it); with
    one village, the first in that village; with several, DISTINCT over the day rows."""
    a = StatActiveDay
    in_window = _days(col(a.day), window)
    if window.villages is None:
        query = select(func.count()).where(in_window, col(a.prev_day) < window.first_day)
    elif len(window.villages) == 1:
        query = select(func.count()).where(
            in_window,
            col(a.prev_village_day) < window.first_day,
            col(a.village_id) == next(iter(window.villages)),
        )
    else:
        query = select(func.count(func.distinct(a.resident_id))).where(
            in_window, _villages(a.village_id, window)
        )
    return int(session.execute(query).scalar_one())


def by_village(session: Session, window: Window, kind: str) -> dict[int | None, tuple[int, int]]:
    """village → (events of `kind`, distinct active residents)."""
    events = session.execute(
        select(col(StatDay.village_id), func.sum(StatDay.events))
        .where(*_day_rows(window, kind))
        .group_by(col(StatDay.village_id))
    ).all()
    # A resident's first active day in the window in each village (see `distinct_residents`).
    residents = dict(
        session.execute(
            select(col(StatActiveDay.village_id), func.count())
            .where(
                _days(col(StatActiveDay.day), window),
                col(StatActiveDay.prev_village_day) < window.first_day,
                _villages(StatActiveDay.village_id, window),
            )
            .group_by(col(StatActiveDay.village_id))
        ).all()
    )
    return {_village_id(int(v)): (int(n), int(residents.get(v, 0))) for v, n in events}


def active_by_home_village(session: Session, window: Window) -> dict[int | None, int]:
    """village → residents who wrote in the window, counted by the village the resident
    gave (their profile now), not the one on each message: a resident is counted once,
    and residents who never said their village are under None."""
    a, r = StatActiveDay, Resident
    village = _true() if window.villages is None else col(r.village_id).in_(sorted(window.villages))
    rows = session.execute(
        select(col(r.village_id), func.count(func.distinct(a.resident_id)))
        .join(r, col(r.id) == col(a.resident_id))
        .where(_days(col(a.day), window), village)
        .group_by(col(r.village_id))
    ).all()
    return {(int(v) if v is not None else None): int(n) for v, n in rows}


def reply_seconds(session: Session, window: Window, *, sample: int = 20000) -> list[float]:
    """Seconds from each resident message's arrival to the first reply Zalo accepted
    (the latest `sample` messages of the window).

    Walks the messages newest first (`ix_inbound_event_name_id`) and looks up their sent
    replies (`ix_outbox_sent_reply`), stopping after `sample` of them: no aggregate over
    the whole outbox, no sort of the whole range."""
    inbound, outbox = InboundEvent, Outbox
    sent_reply = (
        col(outbox.source_event_id) == col(inbound.id),
        col(outbox.status) == "sent",
        col(outbox.kind) == "reply",
    )
    first_sent = select(func.min(outbox.sent_at)).where(*sent_reply).scalar_subquery()
    postgres = session.get_bind().dialect.name == "postgresql"
    # PostgreSQL: the exact seconds (numeric) in SQL. SQLite: the stored UTC texts, parsed
    # below (the column type's conversion costs more than the query at 20,000 rows).
    columns = (
        [cast(extract("epoch", first_sent - col(inbound.received_at)), Numeric)]
        if postgres
        else [type_coerce(inbound.received_at, String), type_coerce(first_sent, String)]
    )
    query = (
        select(*columns)
        .where(
            col(inbound.event_name) == "user_send_text",
            col(inbound.received_at) >= window.start,
            col(inbound.received_at) < window.end,
            exists().where(*sent_reply),
        )
        .order_by(col(inbound.id).desc())
        .limit(sample)
    )
    if window.villages is not None:
        query = query.where(
            col(inbound.subject_id).in_(
                select(col(Resident.zalo_user_id)).where(
                    col(Resident.village_id).in_(sorted(window.villages))
                )
            )
        )
    if postgres:
        return [
            max(0.0, float(seconds))
            for (seconds,) in session.execute(query).all()
            if seconds is not None
        ]
    parse = datetime.fromisoformat  # both naive UTC: "2026-11-22 01:02:03.000004"
    return [
        max(0.0, (parse(sent) - parse(received)).total_seconds())
        for received, sent in session.execute(query).all()
        if received is not None and sent is not None
    ]


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


# -- flows -----------------------------------------------------------------------------------


def flow_counts(session: Session, window: Window) -> list[tuple[str, str, str | None, int]]:
    """(flow, kind, value, count) for flow start/complete/cancel/timeout/feedback events."""
    rows = session.execute(
        select(col(StatDay.flow), col(StatDay.kind), col(StatDay.value), func.sum(StatDay.events))
        .where(
            *_day_rows(
                window,
                "flow_start",
                "flow_complete",
                "flow_cancel",
                "flow_timeout",
                "flow_feedback",
            )
        )
        .group_by(col(StatDay.flow), col(StatDay.kind), col(StatDay.value))
    ).all()
    return [(str(f), str(k), str(v) or None, int(n)) for f, k, v, n in rows if f]


def flow_steps(session: Session, window: Window) -> list[tuple[str, str, int]]:
    """(flow, step, distinct residents who reached it in the window): for all villages,
    each resident's first day at the step in the window (`prev_day` before it)."""
    t = StatStepDay
    if window.villages is None:
        residents = func.count()
        where = col(t.prev_day) < window.first_day
    else:
        residents = func.count(func.distinct(t.resident_id))
        where = _villages(t.village_id, window)
    rows = session.execute(
        select(col(t.flow), col(t.step), residents)
        .where(_days(col(t.day), window), where)
        .group_by(col(t.flow), col(t.step))
    ).all()
    return [(str(f), str(s), int(n)) for f, s, n in rows]


# -- values of one kind (procedures, unanswered, scam) ---------------------------------------


def top_values(
    session: Session, window: Window, kind: str, *, limit: int = 10, exclude: str | None = None
) -> list[tuple[str, int]]:
    total = func.sum(StatDay.events).label("n")
    query = (
        select(col(StatDay.value), total)
        .where(*_day_rows(window, kind), col(StatDay.value) != "")
        .group_by(col(StatDay.value))
        .order_by(total.desc(), col(StatDay.value))
        .limit(limit)
    )
    if exclude is not None:
        query = query.where(col(StatDay.value) != exclude)
    return [(str(v), int(n)) for v, n in session.execute(query).all()]


def not_found_queries(
    session: Session, window: Window, *, limit: int = 15
) -> list[tuple[str, int]]:
    """What residents searched for without finding their procedure: searches with no result,
    and searches whose results they turned down ("Không thấy thủ tục của tôi")."""
    total = func.sum(StatDay.events).label("n")
    rows = session.execute(
        select(col(StatDay.detail), total)
        .where(
            *_day_rows(window, "procedure_search", "procedure_miss"),
            col(StatDay.detail) != "",
        )
        .group_by(col(StatDay.detail))
        .order_by(total.desc(), col(StatDay.detail))
        .limit(limit)
    ).all()
    return [(str(q), int(n)) for q, n in rows]


def scam_signal_counts(
    session: Session, window: Window, *, limit: int = 10
) -> list[tuple[str, int]]:
    """How often each signal code appeared in scam checks."""
    return top_values(session, window, "scam_signal", limit=limit)


def scam_reports(session: Session, window: Window) -> list[tuple[int | None, str, str, int]]:
    """(village, Vietnam day, scam type, reports)."""
    rows = session.execute(
        select(
            col(ScamReport.village_id), col(ScamReport.created_at), col(ScamReport.scam_type)
        ).where(
            col(ScamReport.created_at) >= window.start,
            col(ScamReport.created_at) < window.end,
            _true()
            if window.villages is None
            else col(ScamReport.village_id).in_(sorted(window.villages)),
        )
    ).all()
    counts: dict[tuple[int | None, str, str], int] = {}
    for village, created, scam_type in rows:
        key = (village, vn_day(created), str(scam_type))
        counts[key] = counts.get(key, 0) + 1
    return [(v, d, t, n) for (v, d, t), n in counts.items()]


def village_names(session: Session) -> dict[int, dict[str, Any]]:
    rows = session.exec(sqlmodel.select(Village)).all()
    return {
        v.id: {"code": v.code, "name": v.name, "households": v.households}
        for v in rows
        if v.id is not None
    }
