"""The teams' own door-to-door work: "Ghi nhận hỗ trợ" in Zalo, figures, monthly summaries."""

from __future__ import annotations

from pathlib import Path

from bot.feature import Feature, Job, Section
from bot.features.fieldwork import content, stats
from bot.features.fieldwork.chat import FieldworkInterceptor
from bot.features.fieldwork.summary import fieldwork_job

HERE = Path(__file__).resolve().parent

FEATURE = Feature(
    name="fieldwork",
    content_checks=(content.content_problems,),
    interceptors=(FieldworkInterceptor(),),
    sections=(
        Section(
            # The name CONTRACT.md gives the teams' recorded help in /admin/stats.
            "team_work",
            stats.fieldwork,
            template=HERE / "dashboard.html",
            title="Tổ công nghệ số: ghi nhận hỗ trợ tại nhà",
            explain="Cán bộ tự ghi nhận trên Zalo việc đã giúp từng hộ; hộ có người thành thạo "
            "5 kỹ năng số được tính từ bài kiểm tra của người dân và từ ghi nhận của cán bộ.",
            trends=(("Lượt hỗ trợ", "total.visits"), ("Số hộ được hỗ trợ", "total.households")),
            tables=stats.tables,
        ),
    ),
    jobs=(Job("fieldwork", fieldwork_job, every_s=300),),
)
