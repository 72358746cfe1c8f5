"""`bot scheduler`: waits for leadership, then sends the outbox, refreshes the OA token and
runs scheduled jobs until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.config import Settings
from bot.feature import Feature
from bot.outbox import owner_id
from bot.runtime import start_process
from scheduler.jobs import run_workers, scheduled_jobs, start_periodic
from scheduler.leader import Leadership

log = logging.getLogger(__name__)


async def run(settings: Settings, features: tuple[Feature, ...]) -> int:
    # The scheduler also processes events left pending (the sweeper): its texts name the commune.
    started = await start_process(settings, features)
    if started is None:
        return 2
    runtime, stop = started
    leader = Leadership(
        engine=runtime.engine,
        clock=runtime.clock,
        owner=owner_id(),
        ttl_s=settings.scheduler_lock_ttl_s,
    )
    workers: asyncio.Task[None] | None = None
    try:
        acquire = asyncio.create_task(leader.acquire())
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({acquire, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            acquire.cancel()
            return 0
        runtime.start_background(send=True, sweep=True)
        jobs = scheduled_jobs(features)
        start_periodic(runtime, jobs)
        workers = asyncio.create_task(run_workers(runtime, jobs), name="workers")
        keeper = asyncio.create_task(leader.keep())
        await asyncio.wait({keeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        keeper.cancel()
        return 0 if stop.is_set() else 1
    finally:
        if workers is not None:
            workers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await workers
        await runtime.aclose()
        with contextlib.suppress(Exception):
            leader.release()
