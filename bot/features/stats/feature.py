"""Statistics for the commune: followers, activity, flows, unanswered questions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread

from bot.feature import Feature, Job, Section
from bot.features.stats import delivery, sections

if TYPE_CHECKING:
    from bot.runtime import Runtime

HERE = Path(__file__).resolve().parent


async def roll_up(runtime: Runtime) -> int:
    """Fold new analytics events into the daily rollups (keeps reports fast)."""
    from db import rollup
    from db.session import session_scope

    return await anyio.to_thread.run_sync(rollup.run_all, lambda: session_scope(runtime.engine))


FEATURE = Feature(
    name="stats",
    sections=(
        Section(
            "followers",
            sections.followers,
            template=HERE / "followers.html",
            title="Người quan tâm Zalo OA",
            explain="Người bấm “Quan tâm” Zalo OA của xã: tổng số hiện nay, số quan tâm mới "
            "và bỏ quan tâm trong kỳ.",
            trends=(("Quan tâm mới", "new"), ("Bỏ quan tâm", "unfollowed")),
            tables=sections.follower_tables,
        ),
        Section(
            "activity",
            sections.activity,
            template=HERE / "activity.html",
            title="Người dân nhắn tin",
            explain="Tin nhắn người dân gửi OA và số người đã nhắn (mỗi người tính một lần) "
            "trong kỳ; thời gian trả lời là trung vị từ lúc nhận tin đến lúc bot trả lời.",
            trends=(
                ("Tin nhắn đến", "messages_in"),
                ("Người dân nhắn tin", "active_residents.whole_range"),
            ),
            tables=sections.activity_tables,
        ),
        Section(
            "flows",
            sections.flows,
            template=HERE / "flows.html",
            labels=sections.labels,
            title="Các luồng hướng dẫn",
            explain="Mỗi luồng là một bài hướng dẫn từng bước; biểu đồ cho biết bao nhiêu người "
            "đến từng bước, để thấy người dân hay dừng ở đâu.",
            trends=(("Lượt bắt đầu", "started"), ("Lượt hoàn thành", "completed")),
            tables=sections.flow_tables,
        ),
        Section(
            "unanswered",
            sections.unanswered,
            template=HERE / "unanswered.html",
            title="Câu hỏi chưa trả lời được",
            explain="Những câu bot chưa hiểu: nên bổ sung nội dung trả lời cho các câu hay gặp.",
            trends=(("Câu chưa trả lời được", "total"),),
            tables=sections.unanswered_tables,
        ),
        Section(
            "delivery",
            delivery.delivery,
            template=HERE / "delivery.html",
            title="Gửi tin qua Zalo",
            explain="Tin bot gửi người dân qua Zalo. Tin gửi sau 48 giờ kể từ lần cuối người dân "
            "nhắn phải trả phí: nếu tài khoản Zalo Cloud (ZCA) của OA chưa nạp tiền, Zalo từ "
            "chối và tin được giữ lại để gửi sau.",
            trends=(("Lượt bị từ chối vì chưa trả phí", "billing"),),
        ),
    ),
    jobs=(Job("stats-rollup", roll_up, every_s=60),),
)
