"""`bot scheduler`: waits for leadership, then sends the outbox, refreshes the OA token and
runs scheduled jobs until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.config import Settings
from bot.features.campaigns.scheduler import CampaignScheduler
from bot.features.handoff.service import escalation_job
from bot.outbox import owner_id
from bot.runtime import start_process
from scheduler.leader import Leadership

log = logging.getLogger(__name__)


async def run(settings: Settings) -> int:
    # The scheduler also processes events left pending (the sweeper): its texts name the commune.
    started = await start_process(settings)
    if started is None:
        return 2
    runtime, stop = started
    leader = Leadership(
        engine=runtime.engine,
        clock=runtime.clock,
        owner=owner_id(),
        ttl_s=settings.scheduler_lock_ttl_s,
    )
    campaigns: CampaignScheduler | None = None
    try:
        acquire = asyncio.create_task(leader.acquire())
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({acquire, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            acquire.cancel()
            return 0
        runtime.start_background(send=True, sweep=True)
        runtime.every(600, runtime.tokens.refresh_if_due, name="token-refresh")
        runtime.every(60, runtime.roll_up_statistics, name="stats-rollup")
        runtime.every(60, lambda: escalation_job(runtime), name="handoff-escalation")
        campaigns = CampaignScheduler(runtime)
        campaigns.start()
        keeper = asyncio.create_task(leader.keep())
        await asyncio.wait({keeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        keeper.cancel()
        return 0 if stop.is_set() else 1
    finally:
        if campaigns is not None:
            await campaigns.stop()
        await runtime.aclose()
        with contextlib.suppress(Exception):
            leader.release()
