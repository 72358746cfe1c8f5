"""Campaign broadcasts: fan-out of one campaign to 10,000 targets, the sustained send rate
against the simulator compared with the configured rate limit, scheduler overhead per
delivery, and memory growth during the fan-out (tracemalloc).

`BENCH_BROADCAST_SCALE` (default 1.0) scales the target and send counts down for quick runs,
e.g. `BENCH_BROADCAST_SCALE=0.1 python -m bench --only broadcast`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

from bot.clock import SystemClock
from bot.config import DEMO_APP_ID, DEMO_APP_SECRET, DEMO_OA_ID, DEMO_OA_SECRET_KEY, Settings
from bot.features.campaigns import firing, lifecycle
from bot.features.campaigns.content import load_templates
from bot.features.campaigns.scope import Actor
from bot.features.campaigns.spec import Context, Spec
from bot.features.campaigns.sync import sync
from bot.features.enabled import FEATURES
from bot.features.org.orgfile import load_org, org_rows
from bot.runtime import Runtime
from bot.services import Services
from bot.sim.app import SimConfig, create_sim_app
from bot.texts import Texts
from db import campaigns as campaign_rows
from db import org as org_db
from db.migrate import upgrade
from db.models import CampaignDelivery, Outbox, Resident
from db.session import make_engine, read_scope, session_scope

SCALE = float(os.environ.get("BENCH_BROADCAST_SCALE", "1.0"))
TARGETS = max(100, int(10_000 * SCALE))
SENDS = max(300, int(1_000 * SCALE))
RATE_PER_S = 100.0


def _seed(database_url: str, settings: Settings, now: datetime) -> Any:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        org_db.apply_org(session, **org_rows(load_org(settings.content_dir / "demo" / "org.yaml")))
        village = campaign_rows.villages_by_code(session)["thon-dong"]
        session.add_all(
            Resident(
                zalo_user_id=f"9{i:018d}",
                village_id=village.id,
                news_opt_in=True,
                is_follower=True,
                first_seen_at=now,
                last_seen_at=now,
                last_interaction_at=now - timedelta(hours=1),
            )
            for i in range(TARGETS)
        )
    return engine


def _fan_out(engine: Any, settings: Settings, now: datetime) -> dict[str, Any]:
    ctx = Context(
        settings=settings,
        templates=load_templates(settings.content_dir / "campaigns"),
        texts=Texts.load(settings.content_dir),
    )
    with session_scope(engine) as session:
        spec = Spec(
            template_id="canh-bao-lua-dao",
            target_kinds=["group", "followers"],
            village_codes=["thon-dong", "tdp-3"],
            urgent=True,
        )
        campaign = lifecycle.create(session, spec, Actor("bench", None), now=now, ctx=ctx)
        campaign_id = campaign.id
    started = time.perf_counter()
    created = firing.run_due(engine, now=now, ctx=ctx)
    seconds = time.perf_counter() - started
    # The same fan-out again (a second occurrence) under tracemalloc, for memory growth.
    with session_scope(engine) as session:
        again = campaign_rows.get(session, campaign_id=campaign_id or 0)
        assert again is not None
        again.status, again.next_run_at = "scheduled", now + timedelta(minutes=1)
        session.add(again)
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    firing.run_due(engine, now=now + timedelta(minutes=1), ctx=ctx)
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Overhead of following the outbox: mark every row sent, then copy the results back.
    with session_scope(engine) as session:
        session.execute(update(Outbox).values(status="sent", sent_at=now, zalo_message_id="x"))
    started_sync = time.perf_counter()
    synced = 0
    while changed := sync(engine):
        synced += changed
    sync_seconds = time.perf_counter() - started_sync
    with read_scope(engine) as session:
        rows = session.execute(
            select(func.count()).where(CampaignDelivery.campaign_id == campaign_id)
        ).scalar_one()
    return {
        "targets": created,
        "delivery_rows_two_occurrences": int(rows),
        "fan_out_s": round(seconds, 2),
        "fan_out_rows_per_s": round(created / seconds, 1),
        "fan_out_ms_per_delivery": round(1000 * seconds / created, 3),
        "sync_ms_per_delivery": round(1000 * sync_seconds / max(synced, 1), 3),
        "fan_out_mem_growth_mb": round((after - before) / 1e6, 2),
        "fan_out_mem_peak_mb": round(peak / 1e6, 2),
    }


async def _send_rate(database_url: str) -> dict[str, Any]:
    """Queue SENDS follower messages and let the real outbox sender deliver them to the
    simulator at RATE_PER_S; the achieved rate."""
    import uvicorn

    port, bot_port = _free_port(), _free_port()
    config = SimConfig(
        app_id=DEMO_APP_ID,
        app_secret=DEMO_APP_SECRET,
        oa_id=DEMO_OA_ID,
        oa_secret_key=DEMO_OA_SECRET_KEY,
        webhook_url=f"http://127.0.0.1:{bot_port}/webhook/zalo",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_sim_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn's Server offers no event to await)
        await asyncio.sleep(0.02)
    sim = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=database_url,
        bot_mode="demo",
        port=bot_port,
        zalo_openapi_base=sim,
        zalo_oauth_base=sim,
        outbox_rate_per_s=RATE_PER_S,
        outbox_poll_s=0.05,
    )
    engine = _seed(database_url, settings, datetime.now(UTC))
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=sim, timeout=30) as http:
        await http.post("/_sim/config", json={"echo": False, "drop_receipts": True})
        with read_scope(engine) as session:
            users = [r.zalo_user_id for r in session.exec(select(Resident)).scalars()][:SENDS]
        now_ms = int(time.time() * 1000)
        for i in range(0, len(users), 50):
            await asyncio.gather(
                *(
                    http.post(
                        "/_sim/users",
                        json={"user_id": u, "display_name": u, "last_interaction_ms": now_ms},
                    )
                    for u in users[i : i + 50]
                )
            )
    ctx = Context(
        settings=settings,
        templates=load_templates(settings.content_dir / "campaigns"),
        texts=Texts.load(settings.content_dir),
    )
    with session_scope(engine) as session:
        spec = Spec(text="Thông báo thử tốc độ gửi.", target_kinds=["followers"], urgent=True)
        spec.village_codes = ["thon-dong"]
        lifecycle.create(session, spec, Actor("bench", None), now=now, ctx=ctx)
    firing.run_due(engine, now=now, ctx=ctx)
    with session_scope(engine) as session:  # only the residents the simulator knows
        session.execute(
            update(Outbox)
            .where(Outbox.recipient.not_in(users))  # type: ignore[attr-defined]
            .values(status="cancelled")
        )
    runtime = Runtime.build(
        settings, clock=SystemClock(), engine=engine, services=Services.load(settings, FEATURES)
    )
    started = time.perf_counter()
    runtime.sender.start()
    sent = 0
    # The token bucket lets a first burst of RATE_PER_S through; the sustained rate is
    # measured once the bucket has long been empty.
    after_burst: tuple[float, int] | None = None
    while sent < len(users) and time.perf_counter() - started < 180:
        await asyncio.sleep(0.05)
        with read_scope(engine) as session:
            sent = session.execute(select(func.count()).where(Outbox.status == "sent")).scalar_one()
        if after_burst is None and sent >= 2 * RATE_PER_S:
            after_burst = (time.perf_counter(), sent)
    ended = time.perf_counter()
    await runtime.aclose()
    server.should_exit = True
    await serving
    assert after_burst is not None
    rate = (sent - after_burst[1]) / (ended - after_burst[0])
    return {
        "sends": sent,
        "send_errors": len(users) - sent,
        "configured_rate_per_s": RATE_PER_S,
        "overall_rate_per_s": round(sent / (ended - started), 1),
        "sustained_rate_per_s": round(rate, 1),
        "sustained_vs_limit_ratio": round(rate / RATE_PER_S, 3),
    }


def _postgres_url() -> str | None:
    from bench.core import _postgres_url as fresh_database

    return fresh_database()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"scale": SCALE}
    now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'fanout.db'}"
        upgrade(url)
        engine = _seed(url, settings, now)
        results.update({f"sqlite_{k}": v for k, v in _fan_out(engine, settings, now).items()})
        engine.dispose()
        pg = _postgres_url()
        if pg is None:
            results["postgres"] = "skipped: set TEST_DATABASE_URL to include PostgreSQL"
        else:
            from bench.core import _drop_postgres

            try:
                upgrade(pg)
                engine = _seed(pg, settings, now)
                figures = _fan_out(engine, settings, now)
                results.update({f"postgres_{k}": v for k, v in figures.items()})
                engine.dispose()
            finally:
                _drop_postgres()  # each run's database would otherwise stay on the server
        send_url = f"sqlite:///{Path(tmp) / 'send.db'}"
        upgrade(send_url)
        results.update(asyncio.run(_send_rate(send_url)))
    return results
