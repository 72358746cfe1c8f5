"""`bot route` and `bot nlu` wired to the enabled features: routing exactly as chat does.

Chat calls `services.router.route(text, procedure_lookup=services.procedure_lookup)`
(`bot.handlers.intent.ByIntent`); this builds the same `Services` (the same router, the
procedure search of the procedures feature) for the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.nlu import commands as nlu_commands
from bot.nlu.commands import Routing
from bot.nlu.intents import IntentRouter


def chat_routing(content_dir: Path) -> Routing:
    """The router and procedure lookup a running bot over `content_dir` uses."""
    from bot.config import get_settings
    from bot.features.enabled import FEATURES
    from bot.features.procedures.service import ProcedureService
    from bot.services import Services

    IntentRouter.load(content_dir)  # the NLU content's problems first, as ContentProblem
    settings = get_settings().model_copy(update={"content_dir": content_dir})
    services = Services.load(settings, FEATURES)
    procedures = services.get(ProcedureService)

    def rank(text: str) -> Sequence[str]:
        return [hit.code for hit in procedures.search(text, limit=3)] if procedures else []

    return Routing(services.router, services.procedure_lookup, rank)


def register(subparsers: Any) -> None:
    nlu_commands.register(subparsers, routing=chat_routing)
