"""Rollups count every event exactly once, however they are batched or repeated."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, text

from bot.config import Settings
from bot.feature import sections_of
from bot.features.enabled import FEATURES
from bot.features.skills.lessons import skill_list
from bot.reporting import build_report, window_for
from db import eventlog, rollup
from db import stats as q
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
        return build_report(
            s,
            first=date(2026, 11, 1),
            last=date(2026, 11, 30),
            villages=None,
            sections=sections_of(FEATURES),
            skills=skill_list(Settings().content_dir),
        )


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


def test_first_days_are_exact_with_late_events_and_moves(engine: Engine) -> None:
    """`prev_day` columns and `stat_active_count` kept up incrementally (events arriving
    late, residents changing village) equal a full recomputation, and the distinct counts
    read through them equal COUNT(DISTINCT) over the day rows, for every range and village
    filter."""
    rng = random.Random(3)
    events = [
        (
            START + timedelta(days=rng.randrange(20), hours=rng.randrange(24)),
            rng.randrange(1, 9),  # resident
            rng.choice([None, 1, 2, 3]),  # village
            rng.random() < 0.5,  # a flow step rather than a message
        )
        for _ in range(300)
    ]
    for batch in range(6):  # shuffled: later batches carry events older than rolled ones
        with session_scope(engine) as s:
            for when, resident, village, step in events[batch * 50 : (batch + 1) * 50]:
                eventlog.record(
                    s,
                    kind="flow_step" if step else "message_in",
                    now=when,
                    resident_id=resident,
                    village_id=village,
                    flow="vneid" if step else None,
                    step=f"s{resident % 3}" if step else None,
                )
        rollup.run_all(lambda: session_scope(engine))
    prev = "SELECT * FROM {} ORDER BY 1, 2, 3, 4"
    with read_scope(engine) as s:
        kept = [s.execute(text(prev.format(t))).all() for t in ("stat_active_day", "stat_step_day")]
    with session_scope(engine) as s:
        s.execute(text("UPDATE stat_active_day SET prev_day = 'x', prev_village_day = 'x'"))
        s.execute(text("UPDATE stat_step_day SET prev_day = 'x'"))
        s.execute(text(rollup.active_prev(None)))
        s.execute(text(rollup.step_prev(None)))
    with read_scope(engine) as s:
        assert kept == [
            s.execute(text(prev.format(t))).all() for t in ("stat_active_day", "stat_step_day")
        ]
        counted = "SELECT day, village_id, residents FROM stat_active_count ORDER BY 1, 2"
        recounted = (
            "SELECT day, village_id, count(*) FROM stat_active_day GROUP BY 1, 2 ORDER BY 1, 2"
        )
        assert s.execute(text(counted)).all() == s.execute(text(recounted)).all()
        for first, last in [(0, 19), (3, 9), (7, 7), (12, 25)]:
            for villages in [None, frozenset({1}), frozenset({0}), frozenset({2, 3})]:
                window = window_for(
                    date(2026, 11, 1) + timedelta(days=first),
                    date(2026, 11, 1) + timedelta(days=last),
                    villages,
                )
                days = {"a": window.first_day, "b": window.last_day}
                where = "day >= :a AND day <= :b" + (
                    f" AND village_id IN ({','.join(map(str, sorted(villages)))})"
                    if villages
                    else ""
                )
                active = s.execute(
                    text(f"SELECT count(DISTINCT resident_id) FROM stat_active_day WHERE {where}"),
                    days,
                ).scalar_one()
                assert q.distinct_residents(s, window) == active
                daily = s.execute(
                    text(f"SELECT day, count(*) FROM stat_active_day WHERE {where} GROUP BY day"),
                    days,
                ).all()
                assert q.per_day(s, window, (), distinct_residents=True) == dict(daily)
                per_village = dict(
                    s.execute(
                        text(
                            "SELECT village_id, count(DISTINCT resident_id) FROM stat_active_day "
                            f"WHERE {where} GROUP BY village_id"
                        ),
                        days,
                    ).all()
                )
                found = {v or 0: r for v, (_, r) in q.by_village(s, window, "message_in").items()}
                assert found == {v: per_village.get(v, 0) for v in found}
                steps = s.execute(
                    text(
                        "SELECT flow, step, count(DISTINCT resident_id) FROM stat_step_day "
                        f"WHERE {where} GROUP BY flow, step ORDER BY 1, 2"
                    ),
                    days,
                ).all()
                assert sorted(q.flow_steps(s, window)) == [tuple(r) for r in steps]
