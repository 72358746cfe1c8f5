"""Scam checks of messages and links, reports, and the recognition quiz."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.feature import Feature, Section
from bot.features.scam import commands, content, stats
from bot.features.scam.chat import SharedLink
from bot.features.scam.hooks import HOOKS

if TYPE_CHECKING:
    from bot.config import Settings

HERE = Path(__file__).resolve().parent


def build(settings: Settings) -> tuple[object, ...]:
    from bot.features.scam.analyzer import ScamAnalyzer

    analyzer = ScamAnalyzer.load(
        settings.content_dir,
        blocklist_path=settings.scam_blocklist_path,
        model_path=settings.scam_model_path,
    )
    return (analyzer,)


FEATURE = Feature(
    name="scam",
    flows=("scam_check", "scam_quiz"),
    hooks=HOOKS,
    content_checks=(content.content_problems,),
    commands=(commands.register,),
    media=(SharedLink(),),
    services=(build,),
    sections=(
        Section(
            "scam",
            stats.scam,
            template=HERE / "dashboard.html",
            title="Kiểm tra tin nhắn lừa đảo",
            explain="Số tin nhắn, đường link người dân gửi nhờ bot kiểm tra; “nguy cơ cao” là "
            "tin bot cảnh báo rõ là lừa đảo; báo cáo là tin người dân gửi báo cho cán bộ.",
            trends=(
                ("Lượt kiểm tra", "checks"),
                ("Nguy cơ cao", "high_risk"),
                ("Báo cáo lừa đảo", "reports"),
            ),
            labels=stats.labels,
            tables=stats.tables,
        ),
    ),
)
