"""Online-first filing: guided submissions per procedure family, stuck follow-ups, handoff
with the procedure and step filled in, result reminders, and the `online_filing` figures."""

from __future__ import annotations

from pathlib import Path

from bot.feature import Feature, Job, Section
from bot.features.online_filing import checks, stats
from bot.features.online_filing.hooks import HOOKS
from bot.features.online_filing.interceptor import OnlineFilingInterceptor
from bot.features.online_filing.jobs import online_filing_job

HERE = Path(__file__).resolve().parent

FEATURE = Feature(
    name="online_filing",
    flows=(
        "nop_truc_tuyen",
        "nop_ho_tich",
        "nop_cu_tru",
        "nop_ly_lich_tu_phap",
        "nop_dat_dai",
        "nop_truc_tuyen_khac",
    ),
    hooks=HOOKS,
    content_checks=(checks.content_problems,),
    interceptors=(OnlineFilingInterceptor(),),
    sections=(
        Section(
            "online_filing",
            stats.online_filing,
            template=HERE / "dashboard.html",
            charts=(("online-filing-stuck", stats.online_filing_funnel),),
            title="Hướng dẫn nộp hồ sơ trực tuyến",
            explain="Người dân được hướng dẫn nộp hồ sơ trên VNeID từng bước; “bị kẹt” là dừng ở "
            "một bước quá lâu, “nộp xong” là người dân tự báo đã nộp.",
            trends=(("Lượt bắt đầu", "started"), ("Tự báo đã nộp", "completed")),
            tables=stats.tables,
        ),
    ),
    jobs=(Job("online-filing-followups", online_filing_job, every_s=60),),
)
