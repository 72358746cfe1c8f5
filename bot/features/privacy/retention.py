"""The retention policy: raw inbound payloads and message texts older than
`privacy_retention_days` are emptied; the rows stay, so the statistics keep working."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import anyio.to_thread

from db import privacy as privacy_db
from db import rollup
from db.session import session_scope

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVERY_S = 3600.0
# A goodbye's echo and receipts arrive within seconds; its row is emptied after this.
FAREWELL_GRACE = timedelta(minutes=10)


def apply_retention(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    """Roll up first (the texts of the analytics log are emptied only once counted), then
    empty what is older than the retention period. Idempotent."""
    rollup.run_all(lambda: session_scope(engine))
    cutoff = now - timedelta(days=settings.privacy_retention_days)
    with session_scope(engine) as session:
        counts = privacy_db.purge_before(session, cutoff=cutoff)
        counts["farewells"] = privacy_db.sweep_farewells(session, sent_before=now - FAREWELL_GRACE)
    if any(counts.values()):
        log.info("retention (%d days): %s", settings.privacy_retention_days, counts)
    return counts


async def retention_job(runtime: Runtime) -> dict[str, int]:
    return await anyio.to_thread.run_sync(
        apply_retention, runtime.engine, runtime.settings, runtime.clock.now()
    )
