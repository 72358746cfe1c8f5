"""Rollups count every event exactly once, however they are batched or repeated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from bot.stats.report import build_report
from db import eventlog, rollup
from db.session import read_scope, session_scope

START = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def add_events(engine: Engine, n: int, *, offset: int = 0) -> None:
    with session_scope(engine) as s:
        for i in range(n):
            when = START + timedelta(hours=3 * (i + offset))
            eventlog.record(
                s, kind="message_in", now=when, resident_id=1 + i % 7, village_id=None, value="text"
            )
            eventlog.record(
                s,
                kind="procedure_search",
                now=when,
                resident_id=1 + i % 7,
                value="not_found",
                data={"query": f"q{i % 3}"},
            )


def report(engine: Engine) -> dict:  # type: ignore[type-arg]
    rollup.run_all(lambda: session_scope(engine))
    with read_scope(engine) as s:
        return build_report(s, first=date(2026, 11, 1), last=date(2026, 11, 30), villages=None)


def test_counts_are_exact_across_batches_and_repeated_runs(engine: Engine) -> None:
    add_events(engine, 20)
    first = report(engine)
    assert first["activity"]["messages_in"] == 20
    assert first["activity"]["active_residents"]["whole_range"] == 7
    assert first["procedures"]["not_found"] == 20
    assert report(engine) == first  # nothing counted twice
    add_events(engine, 5, offset=100)
    second = report(engine)
    assert second["activity"]["messages_in"] == 25
    assert sum(q["count"] for q in second["procedures"]["not_found_queries"]) == 25


def test_days_are_vietnam_days(engine: Engine) -> None:
    with session_scope(engine) as s:
        # 23:30 UTC on the 1st is 06:30 on the 2nd in Vietnam.
        eventlog.record(
            s, kind="message_in", now=datetime(2026, 11, 1, 23, 30, tzinfo=UTC), resident_id=1
        )
    r = report(engine)
    days = {d["date"]: d["value"] for d in r["activity"]["messages_in_by_day"]}
    assert days["2026-11-02"] == 1 and days["2026-11-01"] == 0
