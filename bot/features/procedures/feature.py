"""Administrative procedures: search, cards, the national catalogue import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.feature import Feature, Section
from bot.features.procedures import commands, service, stats
from bot.features.procedures.hooks import HOOKS
from bot.services import ProcedureLookup

if TYPE_CHECKING:
    from bot.config import Settings

HERE = Path(__file__).resolve().parent


def build(settings: Settings) -> tuple[object, ...]:
    from bot.features.procedures.runtime import lookup_for, procedure_service

    procedures = procedure_service(settings.content_dir, settings.database_url)
    return procedures, ProcedureLookup(lookup_for(procedures))


FEATURE = Feature(
    name="procedures",
    flows=("procedures",),
    hooks=HOOKS,
    content_checks=(service.content_problems,),
    commands=(commands.register,),
    services=(build,),
    sections=(
        Section(
            "procedures",
            stats.procedures,
            template=HERE / "dashboard.html",
            title="Thủ tục hành chính người dân tra cứu",
            explain="Số lần người dân tìm thủ tục trên Zalo OA; “Tìm mà không thấy” là những "
            "gì họ gõ mà bot không có thủ tục phù hợp, hoặc họ bấm “Không thấy thủ tục của tôi”.",
            trends=(("Lượt tìm thủ tục", "searches"), ("Tìm mà không thấy", "not_found")),
            labels=stats.labels,
            tables=stats.tables,
        ),
    ),
)
