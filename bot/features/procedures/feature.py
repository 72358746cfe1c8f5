"""Administrative procedures: search, cards, the national catalogue import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.feature import Feature, Section
from bot.features.procedures import commands, service, stats
from bot.features.procedures.hooks import HOOKS
from bot.services import ProcedureLookup

if TYPE_CHECKING:
    from bot.config import Settings


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
    sections=(Section("procedures", stats.procedures),),
)
