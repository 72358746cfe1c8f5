"""Campaign broadcasts to the commune's and villages' Zalo groups and followers."""

from __future__ import annotations

from pathlib import Path

from bot.feature import Feature, Job, Section
from bot.features.campaigns import content, stats
from bot.features.campaigns.chat import CampaignInterceptor
from bot.features.campaigns.scheduler import run_campaigns

HERE = Path(__file__).resolve().parent

FEATURE = Feature(
    name="campaigns",
    content_checks=(content.content_problems,),
    interceptors=(CampaignInterceptor(),),
    sections=(
        Section(
            "broadcasts",
            stats.broadcasts,
            template=HERE / "dashboard.html",
            charts=(("broadcasts", stats.broadcast_delivery),),
        ),
    ),
    jobs=(Job("campaigns", run_campaigns),),
)
