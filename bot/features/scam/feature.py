"""Scam checks of messages and links, reports, and the recognition quiz."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.feature import Feature, Section
from bot.features.scam import commands, content, stats
from bot.features.scam.chat import SharedLink
from bot.features.scam.hooks import HOOKS

if TYPE_CHECKING:
    from bot.config import Settings


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
    sections=(Section("scam", stats.scam),),
)
