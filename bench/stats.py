"""The statistics report for a large commune: 50,000 residents and 2,000,000 events.

Besides events: a webhook event and a reply for each resident message (median reply
time), quiz progress in the 5 digital skills (about 15% of residents, most of them
with all five) and handoff tickets (one per 15 residents), so those sections are timed too.

Data is generated straight into the database (bulk inserts), spread over a year; then the
report is built for the default range (the last 30 days) and for a whole quarter, several
times, through the same function the API calls. PostgreSQL when TEST_DATABASE_URL (or
BENCH_DATABASE_URL) is set — the production database — else SQLite.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.config import Settings
from bot.feature import sections_of
from bot.features.enabled import FEATURES
from bot.features.skills.lessons import skill_list
from bot.reporting import build_report
from db import rollup
from db.migrate import upgrade
from db.models import HandoffTicket, Resident, SkillProgress, TeamMember, Village
from db.session import make_engine, read_scope, session_scope

RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "50000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000000"))
VILLAGES = 12
DAYS = 365
BATCH = 20000
TODAY = date(2026, 11, 22)
KINDS = [
    ("message_in", 0.38),
    ("message_out", 0.30),
    ("flow_step", 0.14),
    ("flow_start", 0.04),
    ("flow_complete", 0.02),
    ("procedure_search", 0.03),
    ("scam_check", 0.02),
    ("intent", 0.04),
    ("unanswered", 0.01),
    ("follow", 0.01),
    ("flow_feedback", 0.01),
]
FLOWS = ["vneid", "procedures", "scam_check", "digital_skills", "handoff"]
MEMBERS = 10
REUSE = os.environ.get("BENCH_STATS_REUSE", "") not in ("", "0")


def _database() -> tuple[str, str, str | None]:
    """(url, kind, PostgreSQL database to drop at the end or None).

    With BENCH_STATS_REUSE=1 the data goes to a fixed database (`bot_bench_stats_reuse`, or
    a fixed SQLite file) that is kept, so the report can be timed again without generating
    2M rows each time (drop it by hand, or with BENCH_STATS_REUSE=0 and a new run)."""
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        if REUSE:
            return (
                f"sqlite:///{Path(tempfile.gettempdir()) / 'bot_bench_stats_reuse.db'}",
                ("sqlite"),
                None,
            )
        path = Path(tempfile.mkdtemp()) / "stats.db"
        return f"sqlite:///{path}", "sqlite", None
    from sqlalchemy.engine import make_url

    from db.session import normalize_url

    url = make_url(normalize_url(base))
    name = "bot_bench_stats_reuse" if REUSE else f"bot_bench_stats_{os.getpid()}"
    admin = make_engine(url.render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not (REUSE and exists):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    return target, "postgresql", None if REUSE else name


def _drop(database_url: str, name: str) -> None:
    """Drop the PostgreSQL database the run created (connect to the server's default one)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(database="postgres")
    admin = make_engine(url.render_as_string(hide_password=False), pool_size=1)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _has_data(database_url: str) -> bool:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM resident")).scalar_one())
    finally:
        engine.dispose()


def _generate(database_url: str) -> float:
    """Villages and residents through the ORM, events in SQL (fast enough for 2M rows)."""
    rng = random.Random(7)
    engine = make_engine(database_url)
    started = time.perf_counter()
    end = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    with session_scope(engine) as session:
        session.execute(
            insert(Village),
            [
                {
                    "code": f"thon-{i}",
                    "name": f"Thôn {i}",
                    "kind": "thon",
                    "households": 400,
                    "aliases": "",
                }
                for i in range(VILLAGES)
            ],
        )
        village_ids = [v for (v,) in session.execute(text("SELECT id FROM village")).all()]
        residents = []
        for i in range(RESIDENTS):
            first = end - timedelta(days=rng.randrange(DAYS))
            residents.append(
                {
                    "zalo_user_id": f"bench{i}",
                    "display_name": None,
                    "village_id": rng.choice(village_ids) if rng.random() < 0.7 else None,
                    "household_key": f"Hộ {i // 3}",
                    "is_follower": rng.random() < 0.9,
                    "news_opt_in": False,
                    "followed_at": first,
                    "first_seen_at": first,
                    "last_seen_at": first,
                }
            )
        session.execute(insert(Resident), residents)
        _skills_and_handoffs(session, rng, end, village_ids)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        conn.execute(text(_events_sql(postgres)), {"n": EVENTS, "residents": RESIDENTS})
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _skills_and_handoffs(
    session: Any, rng: random.Random, end: datetime, village_ids: list[int]
) -> None:
    """Skill progress for ~15% of residents and one handoff ticket per 15 residents."""
    skills = [skill for skill, _ in skill_list(Settings().content_dir)]
    resident_ids = [r for (r,) in session.execute(text("SELECT id FROM resident")).all()]
    progress = []
    for rid in rng.sample(resident_ids, len(resident_ids) * 15 // 100):
        done = len(skills) if rng.random() < 0.6 else rng.randrange(len(skills))
        for n, skill in enumerate(skills):
            at = end - timedelta(days=rng.randrange(DAYS), minutes=n)
            progress.append(
                {
                    "resident_id": rid,
                    "skill": skill,
                    "passed": n < done,
                    "best_score": 3 if n < done else 1,
                    "questions": 3,
                    "attempts": 1,
                    "last_attempt_at": at,
                    "passed_at": at if n < done else None,
                }
            )
    for start in range(0, len(progress), BATCH):
        session.execute(insert(SkillProgress), progress[start : start + BATCH])
    session.execute(
        insert(TeamMember),
        [{"zalo_user_id": f"member{i}", "name": f"Cán bộ {i}"} for i in range(MEMBERS)],
    )
    members = [m for (m,) in session.execute(text("SELECT id FROM team_member")).all()]
    tickets = []
    for rid in rng.sample(resident_ids, len(resident_ids) // 15):
        created = end - timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(1440))
        status = rng.choice(["resolved", "resolved", "resolved", "accepted", "open", "cancelled"])
        accepted = created + timedelta(minutes=rng.randrange(1, 240))
        tickets.append(
            {
                "resident_id": rid,
                "village_id": rng.choice(village_ids) if rng.random() < 0.8 else None,
                "need": "cần giúp",
                "status": status,
                "assigned_member_id": rng.choice(members)
                if status in ("accepted", "resolved")
                else None,
                "created_at": created,
                "accepted_at": accepted if status in ("accepted", "resolved") else None,
                "resolved_at": accepted + timedelta(hours=2) if status == "resolved" else None,
                "cancelled_at": created + timedelta(minutes=5) if status == "cancelled" else None,
            }
        )
    session.execute(insert(HandoffTicket), tickets)


def _pick(expr: str, options: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{o}'" for i, o in enumerate(options))
    return f"CASE {expr} {whens} END"


def _events_sql(postgres: bool) -> str:
    """INSERT … SELECT of EVENTS random events: kinds in fixed shares, most in recent weeks;
    in time order, as in production where ids follow created_at (random order scattered the
    one-time fold's index updates: its final UPDATE took 96 s instead of 64 s)."""
    if postgres:
        rand = "random()"
        series = "generate_series(1, :n) AS g(i)"
        age = "(-ln(1 - random()) * 90)"
        when = f"timestamptz '{TODAY.isoformat()} 00:00+07' - make_interval(secs => {age} * 86400)"
        cast = "::jsonb"
        false = "false"
    else:
        rand = "(abs(random()) % 1000000) / 1000000.0"
        series = (
            "(WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) "
            "SELECT i FROM g) AS g"
        )
        # Two uniform draws multiplied: more events in recent days, as with a campaign.
        age = "((abs(random()) % 365) * (abs(random()) % 365) / 365.0)"
        when = (
            f"strftime('%Y-%m-%d %H:%M:%f', '{TODAY.isoformat()}', '-7 hours', "
            f"'-' || CAST({age} * 86400 AS INTEGER) || ' seconds')"
        )
        cast = ""
        false = "0"
    edges: list[str] = []
    acc = 0.0
    for kind, share in KINDS:
        acc += share
        edges.append(f"WHEN g.k < {acc:.4f} THEN '{kind}'")
    kind_case = "CASE " + " ".join(edges) + f" ELSE '{KINDS[-1][0]}' END"
    flow = _pick("r.f", FLOWS)
    step = _pick("r.s", ["intro", "level2", "done"])
    search = _pick("r.v", ["1.001193", "1.004222", "1.004194", "not_found"])
    risk = _pick("r.v", ["high", "medium", "low", "high"])
    unanswered = _pick("r.v", ["giá lúa hôm nay", "ai trực", "mất điện khi nào", "ai trực"])
    feedback = _pick("r.v", ["helpful", "not_helpful", "helpful", "helpful"])
    return f"""
        INSERT INTO event_log
          (kind, resident_id, village_id, flow, step, value, data, created_at, rolled)
        SELECT r.kind, res.id, res.village_id,
               CASE WHEN r.kind LIKE 'flow%' THEN {flow} END,
               CASE WHEN r.kind LIKE 'flow%' THEN {step} END,
               CASE r.kind
                 WHEN 'procedure_search' THEN {search}
                 WHEN 'scam_check' THEN {risk}
                 WHEN 'message_out' THEN '2'
                 WHEN 'unanswered' THEN {unanswered}
                 WHEN 'flow_feedback' THEN {feedback}
               END,
               CASE r.kind
                 WHEN 'procedure_search' THEN '{{"query": "giay nuoi ong"}}'{cast}
                 WHEN 'scam_check' THEN '{{"signals": ["link_lookalike", "urgency"]}}'{cast}
                 ELSE '{{}}'{cast}
               END,
               r.at, {false}
        FROM (
          SELECT {kind_case} AS kind, 1 + (CAST(g.i AS BIGINT) * 7919) % :residents AS rid,
                 g.i % 5 AS f, g.i % 3 AS s, g.i % 4 AS v, {when} AS at
          FROM (SELECT i, {rand} AS k FROM {series}) AS g
        ) AS r JOIN resident res ON res.id = r.rid
        ORDER BY r.at
    """


def _inbound_and_replies(database_url: str) -> float:
    """A webhook event for each resident message and the reply sent for it (1 to 20 s later;
    every 10th message also gets a second, later reply), for the median reply time."""
    engine = make_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    with engine.connect() as conn:
        if conn.execute(text("SELECT count(*) FROM inbound_event")).scalar_one():
            engine.dispose()
            return 0.0
    with engine.begin() as conn:
        json = "'{}'::jsonb" if postgres else "'{}'"
        conn.execute(
            text(
                "INSERT INTO inbound_event (dedupe_key, event_name, subject_id, "
                "zalo_timestamp_ms, payload, status, attempts, received_at) "
                f"SELECT 'bench' || e.id, 'user_send_text', r.zalo_user_id, 0, {json}, 'done', "
                "1, e.created_at FROM event_log e JOIN resident r ON r.id = e.resident_id "
                "WHERE e.kind = 'message_in' ORDER BY e.created_at"
            )
        )
        for n, (key, delay) in enumerate(
            [("reply:", "1 + i.id % 20"), ("later:", "60 + i.id % 300")]
        ):
            if postgres:
                sent = f"i.received_at + make_interval(secs => {delay})"
            else:
                sent = (
                    f"strftime('%Y-%m-%d %H:%M:%f', i.received_at, '+' || ({delay}) || ' seconds')"
                )
            conn.execute(
                text(
                    "INSERT INTO outbox (idempotency_key, kind, recipient_kind, recipient, "
                    "message, fingerprint, priority, status, attempts, next_attempt_at, "
                    "sent_at, created_at, source_event_id) "
                    f"SELECT '{key}' || i.id, 'reply', 'user', i.subject_id, {json}, '', 0, "
                    f"'sent', 1, i.received_at, {sent}, i.received_at, i.id "
                    f"FROM inbound_event i{' WHERE i.id % 10 = 0' if n else ''}"
                )
            )
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE inbound_event"))
            conn.execute(text("VACUUM ANALYZE outbox"))
    engine.dispose()
    return time.perf_counter() - started


def _roll_up(database_url: str) -> float:
    engine = make_engine(database_url)
    started = time.perf_counter()
    rollup.run_all(lambda: session_scope(engine))
    elapsed = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        # What autovacuum does after the big fold in production: statistics for the planner
        # and the visibility map for index-only scans.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return elapsed


def _time_report(
    database_url: str, first: date, last: date, repeats: int = 5
) -> tuple[list[float], dict[str, list[float]]]:
    """Total seconds of each run, and the seconds of each step (context, sections)."""
    engine = make_engine(database_url)
    timings: list[float] = []
    steps: dict[str, list[float]] = {}
    try:
        for _ in range(repeats):
            parts: dict[str, float] = {}
            started = time.perf_counter()
            with read_scope(engine) as session:
                build_report(
                    session,
                    first=first,
                    last=last,
                    villages=None,
                    sections=sections_of(FEATURES),
                    skills=skill_list(Settings().content_dir),
                    timings=parts,
                )
            timings.append(time.perf_counter() - started)
            for name, seconds in parts.items():
                steps.setdefault(name, []).append(seconds)
    finally:
        engine.dispose()
    return timings, steps


def _ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def run() -> dict[str, Any]:
    database_url, kind, drop = _database()
    try:
        started = time.perf_counter()
        upgrade(database_url)
        upgrade_s = time.perf_counter() - started
        reused = REUSE and _has_data(database_url)
        generated_s = 0.0 if reused else _generate(database_url)
        generated_s += _inbound_and_replies(database_url)
        rollup_s = _roll_up(database_url)
        month, month_steps = _time_report(database_url, TODAY - timedelta(days=29), TODAY)
        quarter, quarter_steps = _time_report(
            database_url, TODAY - timedelta(days=89), TODAY, repeats=3
        )
    finally:
        if drop is not None:
            _drop(database_url, drop)
    figures: dict[str, Any] = {
        "database": kind,
        "residents": RESIDENTS,
        "events": EVENTS,
        "generate_s": round(generated_s, 1),
        "reused_database": reused,
        "rollup_all_events_s": round(rollup_s, 1),
        "migrate_s": round(upgrade_s, 1),
        "report_30_days_median_ms": _ms(month),
        "report_30_days_max_ms": round(max(month) * 1000, 1),
        "report_90_days_median_ms": _ms(quarter),
        "report_90_days_max_ms": round(max(quarter) * 1000, 1),
    }
    for name in month_steps:
        figures[f"30_days_{name}_median_ms"] = _ms(month_steps[name])
    for name in quarter_steps:
        figures[f"90_days_{name}_median_ms"] = _ms(quarter_steps[name])
    figures["target_ms"] = 500
    return figures
