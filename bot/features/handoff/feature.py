"""Handing a resident's conversation to a real team member, with escalation."""

from __future__ import annotations

from pathlib import Path

from bot.feature import Feature, Job, Section
from bot.features.handoff import stats
from bot.features.handoff.escalation import escalation_job
from bot.features.handoff.hooks import HOOKS
from bot.features.handoff.interceptor import HandoffInterceptor

HERE = Path(__file__).resolve().parent

FEATURE = Feature(
    name="handoff",
    flows=("handoff",),
    hooks=HOOKS,
    interceptors=(HandoffInterceptor(),),
    sections=(
        Section(
            "handoffs",
            stats.handoffs,
            template=HERE / "dashboard.html",
            charts=(("handoffs-villages", stats.handoffs_by_village),),
            title="Yêu cầu gặp cán bộ hỗ trợ",
            explain="Người dân bấm “Gặp cán bộ” để Tổ công nghệ số giúp trực tiếp; thời gian chờ "
            "là trung vị từ lúc gửi đến lúc có cán bộ nhận.",
            trends=(("Yêu cầu", "requested"), ("Đã xong", "resolved")),
            tables=stats.tables,
        ),
    ),
    jobs=(Job("handoff-escalation", escalation_job, every_s=60),),
)
