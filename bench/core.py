"""Webhook throughput and latency against a baseline endpoint, end-to-end reply latency, memory.

The bot runs as a deployment runs it, each part a process: `bot serve --demo` (one uvicorn
worker), the Zalo simulator (`bot sim`) in Zalo's place, and in the scale-out layout one
`bot worker` that processes the events (WEB_PROCESSES_EVENTS=false). A load generator on
loopback posts signed `user_send_text` events. The baseline is `/webhook/baseline` in the
same app: it reads the body and answers 200, nothing else. The one-process layout (`make
run`) is measured too. Afterwards the database is counted: every event stored exactly once.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlmodel import Session

from bench.load import Server, post_at_rate, post_flat_out, serve, summary_ms
from db import journal
from db.migrate import upgrade
from db.models import InboundEvent
from db.session import make_engine, read_scope

FLAT_OUT_EVENTS = 1500
# The one-process layout processes what it stores at once: a smaller burst keeps its backlog short.
SINGLE_PROCESS_EVENTS = 1000
CONCURRENCY = 32
RATE = 200.0
RATE_SECONDS = 10.0
E2E_RESIDENTS = 50
E2E_MESSAGES = 4
# Event workers beside the web worker in the scale-out layout.
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
MEMORY_EVENTS = int(os.environ.get("BENCH_MEMORY_EVENTS", "100000"))


def _unmoved(database_url: str, session: Session) -> int:
    """Events still in the SQLite journal (`db.journal`): stored and acknowledged, not yet
    moved into `inbound_event`."""
    journal_engine = journal.open_journal(database_url)
    if journal_engine is None:
        return 0
    try:
        with journal_engine.connect() as conn:
            waiting = journal.keys(conn)
    finally:
        journal_engine.dispose()
    if not waiting:
        return 0
    moved = set(session.execute(select(InboundEvent.dedupe_key)).scalars().all())
    return len(waiting - moved)


def _count_events(database_url: str) -> tuple[int, int]:
    """(events stored, distinct events stored): in `inbound_event` or the journal."""
    engine = make_engine(database_url)
    try:
        with read_scope(engine) as session:
            rows = session.execute(
                select(func.count(), func.count(func.distinct(InboundEvent.dedupe_key))).where(
                    InboundEvent.event_name == "user_send_text"
                )
            ).one()
            unmoved = _unmoved(database_url, session)
            return int(rows[0]) + unmoved, int(rows[1]) + unmoved
    finally:
        engine.dispose()


def _processed(database_url: str) -> tuple[int, int]:
    """(events processed so far, events still pending)."""
    engine = make_engine(database_url)
    try:
        with read_scope(engine) as session:
            pending = func.count().filter(InboundEvent.status == "pending")
            row = session.execute(select(func.count() - pending, pending)).one()
            return int(row[0]), int(row[1]) + _unmoved(database_url, session)
    finally:
        engine.dispose()


def _postgres_url() -> str | None:
    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL")
    if not base:
        return None
    from sqlalchemy.engine import make_url

    from db.session import normalize_url

    url = make_url(normalize_url(base))
    name = f"bot_bench_{os.getpid()}"
    admin = make_engine(url.render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres() -> None:
    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL")
    if not base:
        return
    from sqlalchemy.engine import make_url

    from db.session import normalize_url

    admin = make_engine(make_url(normalize_url(base)).render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "bot_bench_{os.getpid()}" WITH (FORCE)'))
    admin.dispose()


async def _flat_out(
    base_url: str, path: str, start_n: int, count: int = FLAT_OUT_EVENTS
) -> tuple[float, list[float], int]:
    return await post_flat_out(
        base_url, path, count=count, concurrency=CONCURRENCY, users=500, start_n=start_n
    )


async def _paced(base_url: str, database_url: str, start_n: int) -> dict[str, Any]:
    """p50/p99 at RATE events/s, and the baseline's at the same rate. The bot meanwhile
    processes the backlog the earlier phases left (it processes fewer than RATE events/s, so
    it would be busy throughout in any case): the acknowledgements are timed while the
    processing runs flat out on the same cores, and its rate is measured too (a capacity
    while `backlog_left` is not 0)."""
    out: dict[str, Any] = {}
    done_before, _ = await asyncio.to_thread(_processed, database_url)
    started = time.perf_counter()
    paced, paced_err = await post_at_rate(
        base_url, "/webhook/zalo", rate=RATE, seconds=RATE_SECONDS, users=500, start_n=start_n
    )
    paced_baseline, _ = await post_at_rate(
        base_url,
        "/webhook/baseline",
        rate=RATE,
        seconds=RATE_SECONDS / 2,
        users=500,
        start_n=start_n + 5_000_000,
    )
    done_after, left = await asyncio.to_thread(_processed, database_url)
    # With a backlog left at the end, this is how fast the bot processes while acknowledging.
    out["processed_events_per_s"] = round(
        (done_after - done_before) / (time.perf_counter() - started), 1
    )
    out["backlog_left"] = left
    s, b = summary_ms(paced), summary_ms(paced_baseline)
    out[f"at_{int(RATE)}_per_s_p50_ms"] = s["p50_ms"]
    out[f"at_{int(RATE)}_per_s_p99_ms"] = s["p99_ms"]
    out[f"baseline_at_{int(RATE)}_per_s_p99_ms"] = b["p99_ms"]
    out["paced_errors"] = paced_err
    return out


async def _webhook_figures(server: Server, database_url: str) -> dict[str, Any]:
    """The scale-out layout: the web worker stores and acknowledges, a `bot worker` process
    (nice 10) processes events and sends replies, on the same 2 cores."""
    base_url = server.base_url
    out: dict[str, Any] = {}
    # Warm up both paths (connections, first imports, caches).
    await post_flat_out(
        base_url, "/webhook/baseline", count=200, concurrency=8, users=50, start_n=10_000_000
    )
    baseline_eps, _, baseline_err = await _flat_out(base_url, "/webhook/baseline", 20_000_000)
    # The web worker alone (the event worker stopped): what one uvicorn worker acknowledges.
    await asyncio.to_thread(server.stop_workers)
    alone_eps, alone_lat, alone_err = await _flat_out(base_url, "/webhook/zalo", 25_000_000)
    await asyncio.to_thread(server.start_workers)
    # The same with the event worker processing that backlog on the same cores.
    shared_eps, shared_lat, shared_err = await _flat_out(base_url, "/webhook/zalo", 30_000_000)
    out["baseline_events_per_s"] = round(baseline_eps, 1)
    out["webhook_alone_events_per_s"] = round(alone_eps, 1)
    out["throughput_ratio_alone"] = round(alone_eps / baseline_eps, 3)
    out["webhook_alone_p99_ms"] = summary_ms(alone_lat)["p99_ms"]
    out["webhook_events_per_s"] = round(shared_eps, 1)
    out["throughput_ratio"] = round(shared_eps / baseline_eps, 3)
    out["flat_out_p99_ms"] = summary_ms(shared_lat)["p99_ms"]
    out["flat_out_errors"] = baseline_err + alone_err + shared_err
    out.update(await _paced(base_url, database_url, 40_000_000))
    # Redeliveries: the same 500 events again must change nothing.
    _, dup_err = await post_at_rate(
        base_url, "/webhook/zalo", rate=RATE, seconds=2.5, users=500, start_n=40_000_000
    )
    out["duplicate_post_errors"] = dup_err
    return out


async def _single_process_figures(base_url: str, database_url: str) -> dict[str, Any]:
    """The one-process layout (`make run`, WEB_PROCESSES_EVENTS on): the web worker also
    processes events and sends replies."""
    await post_flat_out(
        base_url, "/webhook/baseline", count=200, concurrency=8, users=50, start_n=10_000_000
    )
    baseline_eps, _, _ = await _flat_out(
        base_url, "/webhook/baseline", 20_000_000, SINGLE_PROCESS_EVENTS
    )
    eps, _, errors = await _flat_out(base_url, "/webhook/zalo", 30_000_000, SINGLE_PROCESS_EVENTS)
    out: dict[str, Any] = {
        "events_per_s": round(eps, 1),
        "throughput_ratio": round(eps / baseline_eps, 3),
        "flat_out_errors": errors,
    }
    paced = await _paced(base_url, database_url, 40_000_000)
    for key in (f"at_{int(RATE)}_per_s_p99_ms", "paced_errors", "processed_events_per_s"):
        out[key] = paced[key]
    return {f"single_process_{k}": v for k, v in out.items()}


async def _e2e(sim_url: str) -> dict[str, Any]:
    """50 residents chat at once; time from sending to the reply reaching the simulator."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=sim_url, timeout=30) as http:

        async def resident(i: int) -> None:
            user = (
                await http.post(
                    "/_sim/users", json={"display_name": f"Người {i}", "follower": True}
                )
            ).json()["user_id"]
            after = 0
            for n in range(E2E_MESSAGES):
                started = time.perf_counter()
                await http.post(
                    "/_sim/inbound",
                    json={"user_id": user, "kind": "text", "text": "menu" if n % 2 else "xin chào"},
                )
                while True:
                    items = (
                        await http.get("/_sim/outbox", params={"user_id": user, "after_id": after})
                    ).json()
                    if items["items"]:
                        latencies.append(time.perf_counter() - started)
                        await asyncio.sleep(0.3)  # the rest of this reply's messages
                        items = (
                            await http.get(
                                "/_sim/outbox", params={"user_id": user, "after_id": after}
                            )
                        ).json()
                        after = max(int(x["seq"]) for x in items["items"])
                        break
                    await asyncio.sleep(0.01)

        await asyncio.gather(*(resident(i) for i in range(E2E_RESIDENTS)))
    s = summary_ms(latencies)
    return {
        "e2e_reply_p50_ms": s["p50_ms"],
        "e2e_reply_p99_ms": s["p99_ms"],
        "e2e_replies": len(latencies),
    }


async def _memory(base_url: str, server: Server) -> dict[str, Any]:
    """The web worker's memory after storing MEMORY_EVENTS events (the event worker stopped:
    processing 100,000 events would take the rest of the run)."""
    await asyncio.to_thread(server.stop_workers)  # the last phase on this server
    before = server.rss_mb()
    await post_flat_out(
        base_url,
        "/webhook/zalo",
        count=MEMORY_EVENTS,
        concurrency=CONCURRENCY,
        users=5000,
        start_n=60_000_000,
    )
    await asyncio.sleep(5)
    after = server.rss_mb()
    return {
        "memory_events": MEMORY_EVENTS,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
    }


def _one_database(
    label: str, fresh: Callable[[], str], *, memory: bool, single_process: bool
) -> dict[str, Any]:
    """Webhook figures (and memory) on one database in the scale-out layout, the same in one
    process (on SQLite, the database that layout is for), then end-to-end replies on a fresh
    database: the events posted before leave thousands of replies queued behind Zalo's rate
    limit, and 50 residents chatting must not wait behind them."""
    figures: dict[str, Any] = {}
    # The sender's rate as a real deployment sets it: just under Zalo's 4,000 calls a minute
    # (the simulator enforces that limit; above it every burst would meet -32 and back off).
    env = {"OUTBOX_RATE_PER_S": "60"}
    database_url = fresh()
    upgrade(database_url)
    with serve(database_url, extra_env=env, workers=WORKERS) as server:
        figures.update(asyncio.run(_webhook_figures(server, database_url)))
        total, distinct = _count_events(database_url)
        expected = 2 * FLAT_OUT_EVENTS + int(RATE * RATE_SECONDS)
        figures["events_stored"] = total
        figures["events_lost"] = expected - distinct
        figures["events_duplicated"] = total - distinct
        if memory:
            figures.update(asyncio.run(_memory(server.base_url, server)))
    if single_process:
        database_url = fresh()
        upgrade(database_url)
        with serve(database_url, extra_env=env) as server:
            figures.update(asyncio.run(_single_process_figures(server.base_url, database_url)))
    database_url = fresh()
    upgrade(database_url)
    with serve(database_url, extra_env=env, workers=WORKERS) as server:
        figures.update(asyncio.run(_e2e(server.sim_url)))
    return {f"{label}_{k}": v for k, v in figures.items()}


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = iter(range(1, 100))
        results.update(
            _one_database(
                "sqlite",
                lambda: f"sqlite:///{Path(tmp) / f'bench-{next(files)}.db'}",
                memory=True,
                single_process=True,
            )
        )
    if _postgres_url() is None:
        results["postgres"] = "skipped: set TEST_DATABASE_URL to include PostgreSQL"
    else:

        def fresh_postgres() -> str:
            url = _postgres_url()
            assert url is not None
            return url

        try:
            results.update(
                _one_database("postgres", fresh_postgres, memory=False, single_process=False)
            )
        finally:
            _drop_postgres()
    return results
