"""Campaign schedules in APScheduler 3.x with a persistent SQLAlchemyJobStore (table
`apscheduler_jobs`, same database), run only by the process holding the scheduler lease.

Jobs take ids only: `campaigns-tick` (every `campaign_tick_s`: fire what is due, follow up
deliveries, keep the per-campaign jobs in step) and `campaign-<id>` (a date job at the
campaign's next occurrence, so it starts on the minute). The campaign rows are the truth;
jobs only wake the runner. Misfires are decided by `bot.features.campaigns.service` (send late
within `campaign_grace_min`, else record as missed), so APScheduler runs every late job
(`misfire_grace_time=None`, coalesced) and never silently drops one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import anyio.to_thread
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.features.campaigns.runner import CampaignRunner
from bot.outbox import owner_id
from db import campaigns as campaign_rows
from db.session import read_scope
from scheduler.leader import Leadership

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
            next_run_time=datetime.now(UTC),
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
        soon = datetime.now(UTC) + timedelta(days=366)
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


async def lead_campaigns(runtime: Runtime) -> None:
    """In-app (demo mode): take the scheduler lease when free, run campaigns while holding it,
    stand by otherwise. Cancelled with the app."""
    leader = Leadership(
        engine=runtime.engine,
        clock=runtime.clock,
        owner=f"{owner_id()}:{uuid.uuid4().hex[:6]}",
        ttl_s=runtime.settings.scheduler_lock_ttl_s,
    )
    campaigns: CampaignScheduler | None = None
    try:
        while True:
            try:
                await leader.acquire()
                campaigns = CampaignScheduler(runtime)
                campaigns.start()
                await leader.keep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("campaign scheduler failed; retrying")
                await asyncio.sleep(runtime.settings.scheduler_lock_ttl_s / 3)
            if campaigns is not None:
                await campaigns.stop()
                campaigns = None
    finally:
        if campaigns is not None:
            await campaigns.stop()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(leader.release)
