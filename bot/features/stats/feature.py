"""Statistics for the commune: followers, activity, flows, unanswered questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread

from bot.feature import Feature, Job, Section
from bot.features.stats import sections

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def roll_up(runtime: Runtime) -> int:
    """Fold new analytics events into the daily rollups (keeps reports fast)."""
    from db import rollup
    from db.session import session_scope

    return await anyio.to_thread.run_sync(rollup.run_all, lambda: session_scope(runtime.engine))


FEATURE = Feature(
    name="stats",
    sections=(
        Section("followers", sections.followers),
        Section("activity", sections.activity),
        Section("flows", sections.flows),
        Section("unanswered", sections.unanswered),
    ),
    jobs=(Job("stats-rollup", roll_up, every_s=60),),
)
