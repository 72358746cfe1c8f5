"""Handlers for free text outside a flow's expectations: the intent, then the fallback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.clarify import ask, options
from bot.handlers.commands import run_command
from bot.handlers.flows import start_flow
from bot.nlu.names import FLOWS
from bot.replies import Button, Reply
from bot.services import GO_PREFIX
from bot.text.normalize import normalize

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.texts import Texts
    from bot.turn import Turn

COMMAND_INTENTS = ("menu", "cancel", "back")
# What a bare "ok", "dạ" or "ừ" may be read as: answered as an acknowledgement instead.
ACKNOWLEDGED_AS = ("thanks", "greeting", "unknown")


class ByIntent:
    """What the resident asked for, as the intent router reads it."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        services = turn.services
        texts = services.texts
        route = services.router.route(text, procedure_lookup=services.procedure_lookup)
        intent = route.intent
        turn.log("intent", value=intent, confidence=round(route.confidence, 3))
        if intent in ACKNOWLEDGED_AS and acknowledges(text, texts):
            turn.say(texts.get("acknowledged"))
            return True
        mid_flow = state.active and not state.data.get("_finished")
        choices = options(route)
        if choices and not mid_flow:
            ask(turn, state, text, choices)
            return True
        flow_id = FLOWS.get(intent)
        if flow_id is not None:
            if mid_flow and (choices or flow_id == state.flow_id):
                # Not a clear new topic: the active flow's topics, else the step again.
                return False
            data = {"query": text}
            if route.procedure:
                data["code"] = route.procedure
            leaving = state.flow_id if mid_flow and flow_id != state.flow_id else None
            start_flow(turn, state, flow_id, via="intent", data=data)
            if leaving is not None:
                _tell_switched(turn, leaving, flow_id)
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


def acknowledges(text: str, texts: Texts) -> bool:
    """True for a message of only "ok", "vâng", "dạ", "được rồi"… (replies.yaml
    `acknowledgement_words`, with `acknowledgement_fillers` such as "ạ", "nhé", "em"):
    nothing asked, no thanks said."""
    said = normalize(text).split()
    core = _words(texts.get("acknowledgement_words"))
    fillers = _words(texts.get("acknowledgement_fillers"))
    return bool(said) and any(w in core for w in said) and all(w in core | fillers for w in said)


def _words(listed: str) -> set[str]:
    return {word for phrase in listed.split(",") for word in normalize(phrase).split()}


def _tell_switched(turn: Turn, left: str, started: str) -> None:
    """A clear new topic in the middle of a flow: say so, with a way back."""
    flows = turn.services.flows.flows
    texts = turn.services.texts
    if left not in flows or started not in flows:
        return
    back = flows[left].short or flows[left].title
    to = flows[started].short or flows[started].title
    button = Button(texts.get("switched_back_button", back=back), payload=GO_PREFIX + left)
    turn.say(Reply(texts.get("switched", to=to, back=back), buttons=(button,)))
    turn.log("flow_switched", flow=left, value=started)


def _name(turn: Turn) -> str:
    return turn.resident.display_name if turn.resident and turn.resident.display_name else "bạn"
