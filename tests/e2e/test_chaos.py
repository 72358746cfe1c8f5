"""kill -9 at random moments while many residents write at once, restart, check the
invariants: every message stored and processed once, every reply delivered once, nothing
left stuck. Both layouts: one process, and web worker plus event worker (where, on SQLite,
events pass through the journal). Real processes; the simulator plays Zalo and redelivers
what was not acknowledged, as Zalo does.

`-m slow` runs more seeds; a failure names its seed, which replays the same kill times.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from db.models import EventLog, InboundEvent, Outbox
from db.session import make_engine, read_scope
from tests.servers import BotProcess, bot_env, demo_sim_app, free_port, serve_in_thread

RESIDENTS, MESSAGES = 12, 4
TEXTS = ("menu", "cảm ơn", "cach kich hoat vneid", "lam giay khai sinh")
SEEDS = [pytest.param(seed, marks=pytest.mark.slow) for seed in range(2, 7)]


async def _burst(sim_url: str, users: list[str]) -> None:
    async with httpx.AsyncClient(base_url=sim_url, timeout=30) as sim:

        async def talk(user: str) -> None:
            for n in range(MESSAGES):
                body = {"user_id": user, "kind": "text", "text": TEXTS[n % len(TEXTS)]}
                (await sim.post("/_sim/inbound", json=body)).raise_for_status()
                await asyncio.sleep(0.2)  # the burst lasts about a second

        await asyncio.gather(*(talk(u) for u in users))


def _state(db_url: str) -> tuple[list[InboundEvent], list[Outbox], int]:
    engine = make_engine(db_url)
    try:
        with read_scope(engine) as s:
            events = list(
                s.exec(select(InboundEvent).where(InboundEvent.event_name == "user_send_text"))
                .scalars()
                .all()
            )
            outbox = list(s.exec(select(Outbox)).scalars().all())
            counted = s.execute(
                select(func.count()).where(col(EventLog.kind) == "message_in")
            ).scalar_one()
            return events, outbox, int(counted)
    finally:
        engine.dispose()


def _settled(db_url: str) -> bool:
    events, outbox, _ = _state(db_url)
    return (
        len(events) == RESIDENTS * MESSAGES
        and all(e.status == "done" for e in events)
        and bool(outbox)
        and all(r.status == "sent" for r in outbox)
    )


@pytest.mark.parametrize("layout", ["one_process", "with_worker"])
@pytest.mark.parametrize("seed", [1, *SEEDS])
def test_killed_at_random_moments_during_a_burst(
    db_url: str, tmp_path: Path, layout: str, seed: int
) -> None:
    rng = random.Random(seed)
    bot_port = free_port()
    with serve_in_thread(demo_sim_app(bot_port)) as sim_url:
        env = bot_env(db_url, sim_url)
        if layout == "with_worker":
            env |= {"WEB_PROCESSES_EVENTS": "false", "WORKER_POLL_S": "0.05"}
        web = BotProcess(env, bot_port, tmp_path / "web.log")
        worker = BotProcess(env, bot_port, tmp_path / "worker.log", command=["worker"])
        parts = {"web": web} | ({"worker": worker} if layout == "with_worker" else {})
        try:
            for part in parts.values():
                part.start()
            with httpx.Client(base_url=sim_url, timeout=15) as sim:
                users = [
                    sim.post("/_sim/users", json={"display_name": f"Dân {i}", "follower": True})
                    .raise_for_status()
                    .json()["user_id"]
                    for i in range(RESIDENTS)
                ]
                burst = threading.Thread(target=lambda: asyncio.run(_burst(sim_url, users)))
                burst.start()
                killed = []
                for pause in (rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.6)):
                    time.sleep(pause)
                    name = rng.choice(sorted(parts))
                    during = burst.is_alive()
                    parts[name].kill9()
                    killed.append(f"{name} {'during' if during else 'after'} the burst")
                    parts[name].start()
                assert "during" in killed[0], killed  # the first kill hits the burst
                burst.join(timeout=60)
                deadline = time.monotonic() + 60
                while not _settled(db_url) and time.monotonic() < deadline:
                    time.sleep(0.3)
                time.sleep(1.0)  # late receipts and echoes must change nothing
                events, outbox, counted = _state(db_url)
                context = f"seed {seed}, killed {killed}: " + _summary(events, outbox)
                assert _settled(db_url), context
                # Every message stored once and processed once.
                assert len({e.dedupe_key for e in events}) == RESIDENTS * MESSAGES, context
                assert counted == RESIDENTS * MESSAGES, context
                # Every reply delivered once: what Zalo received is what the outbox sent.
                for user in users:
                    received = sim.get("/_sim/outbox", params={"user_id": user}).json()["items"]
                    mine = [r for r in outbox if r.recipient == user]
                    assert len(mine) >= MESSAGES, context  # a reply to each message
                    assert sorted(r.zalo_message_id or "" for r in mine) == sorted(
                        item["message_id"] for item in received
                    ), context
        finally:
            for part in parts.values():
                part.stop()


def _summary(events: list[InboundEvent], outbox: list[Outbox]) -> str:
    statuses: dict[str, int] = {}
    for e in events:
        statuses[f"event {e.status}"] = statuses.get(f"event {e.status}", 0) + 1
    for r in outbox:
        statuses[f"outbox {r.status}"] = statuses.get(f"outbox {r.status}", 0) + 1
    return str(statuses)
