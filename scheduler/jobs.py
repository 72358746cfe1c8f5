"""Running the features' scheduled jobs (`bot.feature.Job`) in a process.

Periodic jobs run every `every_s` seconds; workers (no `every_s`) run until cancelled, only
while this process holds the scheduler lease. `bot scheduler` takes the lease first and runs
both; demo mode runs them in the web app (`RUN_SCHEDULER_IN_APP`), where `lead_in_app` waits
for the lease. Jobs marked `with_events` run beside event processing instead (`Runtime`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from bot.feature import Feature, Job
from bot.outbox import owner_id
from scheduler.leader import Leadership

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def _refresh_token(runtime: Runtime) -> object:
    return await runtime.tokens.refresh_if_due()


# The pipeline's own: keep the OA's access token fresh.
CORE_JOBS: tuple[Job, ...] = (Job("token-refresh", _refresh_token, every_s=600),)


def scheduled_jobs(features: tuple[Feature, ...]) -> tuple[Job, ...]:
    """Every job the scheduler runs, the core ones first, then the features' in order."""
    return (*CORE_JOBS, *(j for f in features for j in f.jobs if not j.with_events))


def start_periodic(runtime: Runtime, jobs: tuple[Job, ...]) -> None:
    for job in jobs:
        if job.every_s is not None:
            runtime.every(job.every_s, _bound(job, runtime), name=job.name)


def _bound(job: Job, runtime: Runtime):  # type: ignore[no-untyped-def]
    return lambda: job.run(runtime)


async def run_workers(runtime: Runtime, jobs: tuple[Job, ...]) -> None:
    """Run the workers until cancelled (then cancel and wait for each of them)."""
    tasks: list[asyncio.Task[object]] = [
        asyncio.create_task(_forever(job, runtime), name=job.name)
        for job in jobs
        if job.every_s is None
    ]
    try:
        if tasks:
            await asyncio.gather(*tasks)
        else:
            await asyncio.Event().wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _forever(job: Job, runtime: Runtime) -> object:
    return await job.run(runtime)


async def lead_in_app(runtime: Runtime, jobs: tuple[Job, ...]) -> None:
    """In-app (demo mode): take the scheduler lease when free, run the workers while holding
    it, stand by otherwise. Cancelled with the app."""
    leader = Leadership(
        engine=runtime.engine,
        clock=runtime.clock,
        owner=f"{owner_id()}:{uuid.uuid4().hex[:6]}",
        ttl_s=runtime.settings.scheduler_lock_ttl_s,
    )
    try:
        while True:
            try:
                await leader.acquire()
                workers = asyncio.create_task(run_workers(runtime, jobs), name="workers")
                try:
                    await leader.keep()
                finally:
                    workers.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await workers
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled workers failed; retrying")
                await asyncio.sleep(runtime.settings.scheduler_lock_ttl_s / 3)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(leader.release)
