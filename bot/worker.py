"""`bot worker`: processes stored events and sends the replies, apart from the web workers.

With WEB_PROCESSES_EVENTS=false the web workers only verify, store and acknowledge, which
keeps acknowledgements fast under load; one or more `bot worker` processes find the new
events (a cheap indexed poll every WORKER_POLL_S), process each resident's events in order
and send the replies. Any number of workers may run: each event is handled in one
transaction under its resident's lock (see `bot.processor`), so none is handled twice.
Events a worker misses (it was down, or ids committed out of order) are found by the sweeper.
On SQLite each poll first moves what the web workers appended to the journal (`db.journal`).
"""

from __future__ import annotations

import asyncio
import logging
import os

import anyio.to_thread

from bot.config import Settings
from bot.feature import Feature
from bot.runtime import Runtime, start_process
from db import events as event_rows
from db.session import read_scope

log = logging.getLogger(__name__)

POLL_LIMIT = 1000


class NewEvents:
    """Follows the inbound table by id and kicks the processor for each new subject."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._after = 0

    def _fetch(self) -> list[tuple[int, str]]:
        with read_scope(self._runtime.engine) as session:
            return event_rows.pending_after(session, after_id=self._after, limit=POLL_LIMIT)

    async def poll(self) -> int:
        """Kick the subjects of events stored since the last poll; how many events were seen."""
        await self._runtime.move_journal()
        rows = await anyio.to_thread.run_sync(self._fetch)
        for event_id, subject in rows:
            self._after = max(self._after, event_id)
            self._runtime.processor.kick(subject)
        return len(rows)

    async def follow(self, every_s: float) -> None:
        while True:
            try:
                seen = await self.poll()
            except Exception:
                log.exception("looking for new events failed")
                seen = 0
            if seen < POLL_LIMIT:
                await asyncio.sleep(every_s)


async def run(settings: Settings, features: tuple[Feature, ...]) -> int:
    if settings.worker_nice:
        os.nice(settings.worker_nice)
    started = await start_process(settings, features)
    if started is None:
        return 2
    runtime, stop = started
    try:
        runtime.start_background(send=True, sweep=True)
        runtime.spawn(NewEvents(runtime).follow(settings.worker_poll_s), name="new-events")
        log.info("event worker started (poll every %.2f s)", settings.worker_poll_s)
        await stop.wait()
        return 0
    finally:
        await runtime.aclose()
