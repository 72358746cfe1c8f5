"""Fold `event_log` rows into the daily rollup tables, exactly once, inside the database.

One transaction aggregates every unrolled row (GROUP BY in SQL), adds the counts to
`stat_day`, records active residents and funnel steps, and flags the rows. On PostgreSQL it
runs at REPEATABLE READ under an advisory lock, so the rows it counts are exactly the rows it
flags (rows committed meanwhile wait for the next run); SQLite has one writer at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

VN_OFFSET = timedelta(hours=7)  # Vietnam has no daylight saving time
ROLLUP_LOCK = 72_616_001  # advisory lock id shared by every rollup runner

_PG = {
    "day": "to_char(e.created_at + interval '7 hours', 'YYYY-MM-DD')",
    "query": "left(coalesce(e.data ->> 'query', ''), 100)",
    "signals": "jsonb_array_elements_text(e.data -> 'signals') AS s(signal)",
    "signal": "left(s.signal, 100)",
    "cut": "left({}, {})",
    "events": "event_log e",
    # Flag the pending rows in one pass over the table. The `id IN (…)` form hashed every
    # pending id in batches and rewrote the rows batch by batch: 96 s against 74 s at 2M
    # rows. The transaction's snapshot (REPEATABLE READ) makes them the rows counted above.
    "flag": "UPDATE event_log e SET rolled = true WHERE {}",
}
_SQLITE = {
    "day": "date(e.created_at, '+7 hours')",
    "query": "substr(coalesce(json_extract(e.data, '$.query'), ''), 1, 100)",
    "signals": "json_each(e.data, '$.signals') AS s",
    "signal": "substr(s.value, 1, 100)",
    "cut": "substr({}, 1, {})",
    # Without statistics SQLite reads the pending rows through ix_event_log_kind_time (all
    # events of the kind, seconds at 2M events): the partial index holds only pending ones.
    "events": "event_log e INDEXED BY ix_event_log_unrolled",
    "flag": "UPDATE event_log SET rolled = 1 WHERE id IN "
    "(SELECT e.id FROM event_log e INDEXED BY ix_event_log_unrolled WHERE {})",
}


def vn_day(when: datetime) -> str:
    """The Vietnam calendar day of a UTC time, as YYYY-MM-DD."""
    return (when + VN_OFFSET).date().isoformat()


def active_prev(residents: str | None) -> str:
    """Set `stat_active_day.prev_day` / `prev_village_day` of every row of the residents
    the `residents` subquery returns (None: of every resident)."""
    where = "" if residents is None else f" WHERE resident_id IN ({residents})"
    return (
        "UPDATE stat_active_day SET prev_day = w.prev, prev_village_day = w.pv FROM ("
        "SELECT day, resident_id, "
        "coalesce(lag(day) OVER (PARTITION BY resident_id ORDER BY day), '') AS prev, "
        "coalesce(lag(day) OVER (PARTITION BY resident_id, village_id ORDER BY day), '') AS pv "
        f"FROM stat_active_day{where}) AS w "
        "WHERE stat_active_day.day = w.day AND stat_active_day.resident_id = w.resident_id "
        "AND (stat_active_day.prev_day <> w.prev OR stat_active_day.prev_village_day <> w.pv)"
    )


def active_count(where: str) -> str:
    """Fill `stat_active_count` from the `stat_active_day` rows `where` selects."""
    return (
        "INSERT INTO stat_active_count (day, village_id, residents) "
        f"SELECT day, village_id, count(*) FROM stat_active_day {where} GROUP BY day, village_id"
    )


def step_prev(residents: str | None) -> str:
    """Set `stat_step_day.prev_day` of every row of the residents `residents` returns."""
    where = "" if residents is None else f" WHERE resident_id IN ({residents})"
    return (
        "UPDATE stat_step_day SET prev_day = w.prev FROM ("
        "SELECT day, flow, step, resident_id, coalesce(lag(day) OVER "
        "(PARTITION BY flow, step, resident_id ORDER BY day), '') AS prev "
        f"FROM stat_step_day{where}) AS w "
        "WHERE stat_step_day.day = w.day AND stat_step_day.flow = w.flow "
        "AND stat_step_day.step = w.step AND stat_step_day.resident_id = w.resident_id "
        "AND stat_step_day.prev_day <> w.prev"
    )


def _statements(sql: dict[str, str], pending: str) -> list[str]:
    day, cut, events = sql["day"], sql["cut"], sql["events"]
    detail = (
        f"CASE WHEN (e.kind = 'procedure_search' AND e.value = 'not_found') "
        f"OR e.kind = 'procedure_miss' THEN {sql['query']} ELSE '' END"
    )
    upsert = (
        " ON CONFLICT (day, village_id, kind, flow, step, value, detail) "
        "DO UPDATE SET events = stat_day.events + excluded.events"
    )
    columns = "day, village_id, kind, flow, step, value, detail, events"
    flow = cut.format("coalesce(e.flow, '')", 64)
    step = cut.format("coalesce(e.step, '')", 64)
    value = cut.format("coalesce(e.value, '')", 100)
    active_days = (
        f"SELECT DISTINCT {day} FROM {events} "
        f"WHERE {pending} AND e.kind = 'message_in' AND e.resident_id IS NOT NULL"
    )
    return [
        # Counts of every kind.
        f"INSERT INTO stat_day ({columns}) "
        f"SELECT {day}, coalesce(e.village_id, 0), e.kind, {flow}, {step}, {value}, {detail}, "
        f"count(*) FROM {events} WHERE {pending} "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7{upsert}",
        # One row per signal found by the scam checks.
        f"INSERT INTO stat_day ({columns}) "
        f"SELECT {day}, coalesce(e.village_id, 0), 'scam_signal', '', '', {sql['signal']}, '', "
        f"count(*) FROM {events}, {sql['signals']} "
        f"WHERE {pending} AND e.kind = 'scam_check' GROUP BY 1, 2, 6{upsert}",
        # Who wrote to the OA on each day.
        "INSERT INTO stat_active_day (day, resident_id, village_id) "
        f"SELECT {day}, e.resident_id, max(coalesce(e.village_id, 0)) FROM {events} "
        f"WHERE {pending} AND e.kind = 'message_in' AND e.resident_id IS NOT NULL "
        "GROUP BY 1, 2 ON CONFLICT DO NOTHING",
        # Who reached each flow step on each day.
        "INSERT INTO stat_step_day (day, flow, step, resident_id, village_id) "
        f"SELECT {day}, {flow}, {step}, e.resident_id, max(coalesce(e.village_id, 0)) "
        f"FROM {events} WHERE {pending} AND e.kind = 'flow_step' "
        "AND e.resident_id IS NOT NULL AND e.flow IS NOT NULL AND e.step IS NOT NULL "
        "GROUP BY 1, 2, 3, 4 ON CONFLICT DO NOTHING",
        # Residents per day and village, recounted for the days this run added to.
        f"DELETE FROM stat_active_count WHERE day IN ({active_days})",
        active_count(f"WHERE day IN ({active_days})"),
        # Each touched resident's previous active day / step day (late events included).
        active_prev(
            f"SELECT e.resident_id FROM {events} WHERE {pending} AND e.kind = 'message_in'"
        ),
        step_prev(f"SELECT e.resident_id FROM {events} WHERE {pending} AND e.kind = 'flow_step'"),
        sql["flag"].format(pending),
    ]


def run(session: Session) -> int:
    """Roll up every pending event in the session's transaction; how many were rolled."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROLLUP_LOCK})
    sql = _PG if postgres else _SQLITE
    pending = "NOT e.rolled"
    count = int(
        session.execute(text(f"SELECT count(*) FROM {sql['events']} WHERE {pending}")).scalar_one()
    )
    if count == 0:
        return 0
    for statement in _statements(sql, pending):
        session.execute(text(statement))
    return count


def run_all(session_factory: Callable[[], AbstractContextManager[Session]]) -> int:
    """Roll up everything pending in one transaction."""
    with session_factory() as session:
        return run(session)
