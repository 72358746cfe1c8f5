"""The campaign work the active scheduler does: fire due occurrences, copy outbox results into
deliveries, remind unconfirmed relays. Blocking database work runs in worker threads."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio.to_thread

from bot.features.campaigns.content import load_templates
from bot.features.campaigns.firing import run_due
from bot.features.campaigns.reminders import remind_relays
from bot.features.campaigns.spec import Context
from bot.features.campaigns.sync import sync

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def context_for(runtime: Runtime) -> Context:
    settings = runtime.settings
    return Context(
        settings=settings,
        templates=load_templates(settings.content_dir / "campaigns"),
        texts=runtime.services.texts,
    )


class CampaignRunner:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ctx = context_for(runtime)

    async def fire(self, campaign_id: int | None = None) -> int:
        """Fire what is due (of one campaign, or of all); the number of deliveries created."""
        now = self.runtime.clock.now()
        created: int = await anyio.to_thread.run_sync(
            lambda: run_due(self.runtime.engine, now=now, ctx=self.ctx, campaign_id=campaign_id)
        )
        if created:
            log.info("campaign fan-out: %d deliveries queued", created)
            self.runtime.sender.wake()
        return created

    async def follow_up(self) -> None:
        engine = self.runtime.engine
        await anyio.to_thread.run_sync(sync, engine)
        now = self.runtime.clock.now()
        reminded: int = await anyio.to_thread.run_sync(
            lambda: remind_relays(engine, now=now, ctx=self.ctx)
        )
        if reminded:
            log.info("reminded %d unconfirmed relay(s)", reminded)
            self.runtime.sender.wake()

    async def tick(self) -> None:
        await self.fire()
        await self.follow_up()
