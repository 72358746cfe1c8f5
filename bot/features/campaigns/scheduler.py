"""Campaign schedules in APScheduler 3.x with a persistent SQLAlchemyJobStore (table
`apscheduler_jobs`, same database), run only by the process holding the scheduler lease.

Jobs take ids only: `campaigns-tick` (every `campaign_tick_s`: fire what is due, follow up
deliveries, keep the per-campaign jobs in step) and `campaign-<id>` (a date job at the
campaign's next occurrence, so it starts on the minute). The campaign rows are the truth;
jobs only wake the runner. Misfires are decided by `bot.features.campaigns.firing` (send late
within `campaign_grace_min`, else record as missed), so APScheduler runs every late job
(`misfire_grace_time=None`, coalesced) and never silently drops one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import anyio.to_thread
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.features.campaigns.runner import CampaignRunner
from db import campaigns as campaign_rows
from db.session import read_scope

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

TICK_JOB = "campaigns-tick"
JOB_PREFIX = "campaign-"

_active: CampaignScheduler | None = None


async def tick_job() -> None:
    """APScheduler job: everything due, then follow-ups and job upkeep."""
    if _active is not None:
        await _active.runner.tick()
        await _active.sync_jobs()


async def campaign_job(campaign_id: int) -> None:
    """APScheduler job: one campaign's occurrence has come."""
    if _active is not None:
        await _active.runner.fire(campaign_id)
        await _active.runner.follow_up()
        await _active.sync_jobs()


class CampaignScheduler:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.runner = CampaignRunner(runtime)
        self._aps: AsyncIOScheduler | None = None
        self._known: dict[str, datetime] = {}

    def start(self) -> None:
        global _active
        # "Running job … executed successfully" every tick is noise; failures still show.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        store = SQLAlchemyJobStore(engine=self.runtime.engine, tablename="apscheduler_jobs")
        self._aps = AsyncIOScheduler(
            jobstores={"default": store},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._aps.start()
        self._aps.add_job(
            tick_job,
            IntervalTrigger(seconds=self.runtime.settings.campaign_tick_s, timezone=UTC),
            id=TICK_JOB,
            replace_existing=True,
            next_run_time=self.runtime.clock.now(),
        )
        _active = self
        log.info("campaign scheduler started")

    async def sync_jobs(self) -> None:
        """One date job per scheduled campaign at its next occurrence; none for the others."""
        aps = self._aps
        if aps is None:
            return
        engine = self.runtime.engine

        def wanted() -> dict[str, datetime]:
            with read_scope(engine) as session:
                return {
                    f"{JOB_PREFIX}{c.id}": c.next_run_at
                    for c in campaign_rows.scheduled(session)
                    if c.next_run_at is not None
                }

        want = await anyio.to_thread.run_sync(wanted)
        soon = self.runtime.clock.now() + timedelta(days=366)
        for job_id, at in want.items():
            if self._known.get(job_id) == at or at > soon:
                continue
            aps.add_job(
                campaign_job,
                DateTrigger(run_date=at, timezone=UTC),
                args=[int(job_id.removeprefix(JOB_PREFIX))],
                id=job_id,
                replace_existing=True,
            )
            self._known[job_id] = at
        for job in aps.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in want:
                with contextlib.suppress(Exception):
                    aps.remove_job(job.id)
                self._known.pop(job.id, None)

    async def stop(self) -> None:
        global _active
        if _active is self:
            _active = None
        if self._aps is not None:
            with contextlib.suppress(Exception):
                self._aps.shutdown(wait=False)
            self._aps = None
        log.info("campaign scheduler stopped")


async def run_campaigns(runtime: Runtime) -> None:
    """The campaigns worker (`Feature.jobs`), run while this process holds the scheduler
    lease: APScheduler fires each campaign on time until the worker is cancelled."""
    campaigns = CampaignScheduler(runtime)
    campaigns.start()
    try:
        await asyncio.Event().wait()
    finally:
        await campaigns.stop()
