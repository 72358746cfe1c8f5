"""The scale-out path on PostgreSQL: two web workers, one scheduler plus a standby.

Run with `pytest -m scaleout` (needs TEST_DATABASE_URL). Production mode, real processes,
the simulator standing in for Zalo. Checks the invariants under a burst from many residents
(each event processed once, each reply delivered once, no stuck rows), that only one
scheduler is active, and that throughput (messages handled end to end) rises with a second
worker; acknowledgements per second are measured too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bench.load import post_flat_out
from bot.sim.app import SimConfig, create_sim_app
from db.locks import holder
from db.models import InboundEvent, Outbox
from db.session import make_engine, read_scope, session_scope
from db.types import utcnow
from tests.dbs import PostgresDatabase
from tests.servers import ROOT, free_port, serve_in_thread, wait_until

pytestmark = pytest.mark.scaleout

APP_ID, OA_ID = "9100000000000000001", "9200000000000000002"
APP_SECRET, OA_SECRET = "scaleout-app-secret-123", "scaleout-oa-secret-456"
RESIDENTS, MESSAGES = 60, 4
# For the web tier's acknowledgements to rise with a second worker: two load generators,
# two workers, PostgreSQL and the simulator each want a core.
MIN_CORES = 6


def _env(database_url: str, port: int, sim_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_MODE": "production",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ZALO_APP_ID": APP_ID,
        "ZALO_OA_ID": OA_ID,
        "ZALO_APP_SECRET": APP_SECRET,
        "ZALO_OA_SECRET_KEY": OA_SECRET,
        "ZALO_OPENAPI_BASE": sim_url,
        "ZALO_OAUTH_BASE": sim_url,
        "ADMIN_TOKEN": "scaleout-admin-token-0123456789-Kq7Z",
        "OUTBOX_POLL_S": "0.05",
        "BENCH_ENDPOINTS": "true",
        "LOG_LEVEL": "WARNING",
    }


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def stack(postgres_db: PostgresDatabase, tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    config = SimConfig(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        oa_id=OA_ID,
        oa_secret_key=OA_SECRET,
        webhook_url=f"http://127.0.0.1:{port}/webhook/zalo",
        retry_speedup=60.0,
        rate_limit_per_min=100_000,
    )
    engine = make_engine(postgres_db.url)
    postgres_db.truncate_all(engine)
    with serve_in_thread(create_sim_app(config)) as sim_url:
        pair = httpx.post(f"{sim_url}/_sim/tokens").json()
        env = _env(postgres_db.url, port, sim_url)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "zalo",
                "set-token",
                "--access-token",
                pair["access_token"],
                "--refresh-token",
                pair["refresh_token"],
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        processes: list[subprocess.Popen[bytes]] = []
        try:
            yield {
                "port": port,
                "sim_url": sim_url,
                "env": env,
                "engine": engine,
                "processes": processes,
                "tmp": tmp_path,
            }
        finally:
            for process in processes:
                _stop(process)
            engine.dispose()


async def _burst(sim_url: str) -> list[str]:
    async with httpx.AsyncClient(base_url=sim_url, timeout=30) as sim:
        users = []
        for i in range(RESIDENTS):
            created = await sim.post(
                "/_sim/users", json={"display_name": f"Dân {i}", "follower": True}
            )
            users.append(created.json()["user_id"])

        async def talk(user: str) -> None:
            for n in range(MESSAGES):
                await sim.post(
                    "/_sim/inbound",
                    json={"user_id": user, "kind": "text", "text": "menu" if n % 2 else "cảm ơn"},
                )

        await asyncio.gather(*(talk(u) for u in users))
        return users


def _done(engine: Any) -> int:
    with read_scope(engine) as s:
        return int(
            s.execute(
                select(func.count()).where(
                    InboundEvent.event_name == "user_send_text", InboundEvent.status == "done"
                )
            ).scalar_one()
        )


def _settled(engine: Any, expected: int) -> bool:
    with read_scope(engine) as s:
        open_rows = s.execute(
            select(func.count()).where(col(Outbox.status).in_(("pending", "sending", "uncertain")))
        ).scalar_one()
    return _done(engine) == expected and int(open_rows) == 0


def test_two_workers_and_a_standby_scheduler_keep_the_invariants(stack: dict[str, Any]) -> None:
    env, tmp = stack["env"], stack["tmp"]
    web = _spawn(["serve", "--workers", "2"], env, tmp / "web.log")
    stack["processes"].append(web)
    wait_until(f"http://127.0.0.1:{stack['port']}/readyz", process=web)
    first = _spawn(["scheduler"], env, tmp / "scheduler-1.log")
    second = _spawn(["scheduler"], env, tmp / "scheduler-2.log")
    stack["processes"] += [first, second]
    active = None
    deadline = time.monotonic() + 90
    while active is None and time.monotonic() < deadline:
        time.sleep(0.5)
        with session_scope(stack["engine"]) as s:
            active = holder(s, name="scheduler", now=utcnow())
    assert active is not None and active.split(":")[1] in (str(first.pid), str(second.pid))

    users = asyncio.run(_burst(stack["sim_url"]))
    expected = RESIDENTS * MESSAGES
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not _settled(stack["engine"], expected):
        time.sleep(0.5)
    assert _settled(stack["engine"], expected), (tmp / "web.log").read_text()[-2000:]
    sent = httpx.get(f"{stack['sim_url']}/_sim/outbox").json()["items"]
    per_user = dict.fromkeys(users, 0)
    for item in sent:
        if item["recipient"] in per_user:
            per_user[item["recipient"]] += 1
    with read_scope(stack["engine"]) as s:
        rows = s.execute(select(Outbox.recipient, func.count()).group_by(Outbox.recipient)).all()
    assert per_user == {u: n for u, n in rows if u in per_user}  # each reply exactly once

    # The active scheduler dies: the standby takes over within the lease.
    active_pid = int(active.split(":")[1])
    standby = second if active_pid == first.pid else first
    os.kill(active_pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    taken = None
    while time.monotonic() < deadline:
        with session_scope(stack["engine"]) as s:
            taken = holder(s, name="scheduler", now=utcnow())
        if taken and taken.split(":")[1] == str(standby.pid):
            break
        time.sleep(1)
    assert taken is not None and taken.split(":")[1] == str(standby.pid)


def _generate(args: tuple[str, int, int]) -> tuple[float, int]:
    """One load-generator process: (seconds taken, errors)."""
    base_url, count, start_n = args
    rate, _, errors = asyncio.run(
        post_flat_out(
            base_url,
            "/webhook/zalo",
            count=count,
            concurrency=32,
            users=500,
            start_n=start_n,
            app_id=APP_ID,
            oa_secret_key=OA_SECRET,
        )
    )
    return count / rate, errors


def _serve(stack: dict[str, Any], workers: int, label: str, **env: str) -> subprocess.Popen[bytes]:
    web = _spawn(
        ["serve", "--workers", str(workers)],
        {**stack["env"], **env},
        stack["tmp"] / f"web-{label}-{workers}.log",
    )
    wait_until(f"http://127.0.0.1:{stack['port']}/readyz", process=web)
    return web


def test_throughput_rises_with_a_second_worker(stack: dict[str, Any]) -> None:
    """Two figures, with one and then two web workers:

    - handled/s, the capacity a growing commune needs: 1,200 signed messages posted flat out
      to web workers that process what they store (production's default), timed until the
      last one is processed (verified, stored, processed, replies queued). Processing is
      most of the CPU, and one process runs it on one core: a second worker must add to it.
    - acknowledged/s: the web tier alone (WEB_PROCESSES_EVENTS=false), posted by two
      generator processes. Reported; a rise shows only with cores to spare (MIN_CORES): on
      fewer, the generators, PostgreSQL and one worker already fill them.
    """
    base = f"http://127.0.0.1:{stack['port']}"
    handled, acknowledged = {}, {}
    count = 1200
    for workers in (1, 2):
        web = _serve(stack, workers, "handled")
        try:
            before = _done(stack["engine"])
            started = time.perf_counter()
            _, errors = _generate((base, count, workers * 10_000_000))
            assert errors == 0
            deadline = time.monotonic() + 120
            while _done(stack["engine"]) < before + count and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _done(stack["engine"]) == before + count
            handled[workers] = count / (time.perf_counter() - started)
        finally:
            _stop(web)
    generators, per_generator = 2, 1500
    for workers in (1, 2):
        web = _serve(stack, workers, "acknowledged", WEB_PROCESSES_EVENTS="false")
        try:
            jobs = [
                (base, per_generator, 50_000_000 + workers * 10_000_000 + g * 1_000_000)
                for g in range(generators)
            ]
            with ProcessPoolExecutor(generators) as pool:
                results = list(pool.map(_generate, jobs))
            assert sum(errors for _, errors in results) == 0
            acknowledged[workers] = generators * per_generator / max(s for s, _ in results)
        finally:
            _stop(web)
    cores = os.cpu_count() or 1
    summary = (
        f"handled: 1 worker {handled[1]:.0f}/s, 2 workers {handled[2]:.0f}/s; "
        f"acknowledged: 1 worker {acknowledged[1]:.0f}/s, 2 workers {acknowledged[2]:.0f}/s; "
        f"{cores} cores"
    )
    (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
    (ROOT / "tests" / "artifacts" / "scaleout.txt").write_text(summary + "\n", encoding="utf-8")
    assert handled[2] > 1.1 * handled[1], summary
    if cores >= MIN_CORES:
        assert acknowledged[2] > acknowledged[1], summary
