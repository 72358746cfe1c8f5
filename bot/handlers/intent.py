"""Handlers for free text outside a flow's expectations: the intent, then the fallback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.commands import run_command
from bot.handlers.flows import start_flow
from bot.nlu.names import FLOWS

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn

COMMAND_INTENTS = ("menu", "cancel", "back")


class ByIntent:
    """What the resident asked for, as the intent router reads it."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        services = turn.services
        texts = services.texts
        route = services.router.route(text, procedure_lookup=services.procedure_lookup)
        intent = route.intent
        turn.log("intent", value=intent, confidence=round(route.confidence, 3))
        flow_id = FLOWS.get(intent)
        if flow_id is not None:
            data = {"query": text}
            if route.procedure:
                data["code"] = route.procedure
            start_flow(turn, state, flow_id, via="intent", data=data)
            return True
        if intent == "greeting":
            services.show_menu(turn, lead=texts.get("greeting", name=_name(turn)))
            return True
        if intent in ("thanks", "goodbye"):
            turn.say(texts.get(intent))
            return True
        if intent in COMMAND_INTENTS:
            run_command(turn, state, intent)
            return True
        return False


class Fallback:
    """Not understood: ask the active flow's question again, else the menu and the offer
    to reach a team member."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        services = turn.services
        if state.active and not state.data.get("_finished"):
            services.flows.reask(turn, state)
            return True
        turn.log("unanswered", value=text[:300])
        services.show_menu(turn, lead=services.texts.get("fallback"))
        return True


def _name(turn: Turn) -> str:
    return turn.resident.display_name if turn.resident and turn.resident.display_name else "bạn"
