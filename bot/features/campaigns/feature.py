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
            title="Thông báo, chiến dịch đã gửi",
            explain="Thông báo của xã gửi tới người quan tâm và các nhóm Zalo thôn; tỉ lệ gửi "
            "được tính trên các lượt đã gửi xong, lỗi hoặc bỏ qua.",
            trends=(("Lượt đã gửi", "sent"), ("Lượt lỗi", "failed")),
            tables=stats.tables,
        ),
    ),
    jobs=(Job("campaigns", run_campaigns),),
)
