"""Ask instead of guessing: when the router is not sure, offer the likely topics as buttons,
and record what the resident chose, so content editors can teach the bot those words
(`bot nlu review`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.flows import start_flow
from bot.nlu.names import FLOWS, UNKNOWN
from bot.replies import Button, Reply

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.nlu.intents import Route
    from bot.turn import Turn

PREFIX = "#clarify:"
NONE = "none"
MAX_OPTIONS = 3
# A topic the router found, but with less confidence than this, is asked about, not assumed.
SURE_ENOUGH = 0.45
TEXT_KEY = "_clarify"


def options(route: Route) -> list[str]:
    """The topics worth offering when the router is unsure (`route.uncertain`, or a rule-only
    route below `SURE_ENOUGH` with a rival): intents that start a flow, best first."""
    ranked = route.alternatives or route.scores
    candidates = [i for i, score in ranked if score > 0 and FLOWS.get(i)]
    if route.alternatives:
        unsure = route.uncertain
    else:
        unsure = route.intent == UNKNOWN or route.confidence < SURE_ENOUGH
        unsure = unsure and len(candidates) >= 2
    return candidates[:MAX_OPTIONS] if unsure and len(candidates) >= 2 else []


def ask(turn: Turn, state: FlowState, text: str, choices: list[str]) -> None:
    services = turn.services
    texts = services.texts
    names = {fid: flow.short or flow.title for fid, flow in services.flows.flows.items()}
    buttons = [
        Button(names.get(FLOWS[i] or "", i), payload=PREFIX + i)
        for i in choices
        if services.flows.has(FLOWS[i] or "")
    ]
    buttons.append(Button(texts.get("clarify.none_of_these"), payload=PREFIX + NONE))
    state.data[TEXT_KEY] = text[:300]
    turn.log("clarify_asked", value=text[:300], options=",".join(choices))
    turn.say(Reply(texts.get("clarify.question"), buttons=tuple(buttons)))


class ClarifyChoice:
    """The resident's answer to "Bạn muốn hỏi về…?": logged with what they had typed,
    then the chosen topic starts with that question."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        if not text.startswith(PREFIX):
            return False
        intent = text.removeprefix(PREFIX)
        asked = str(state.data.pop(TEXT_KEY, "") or "")
        turn.log("clarify_chosen", value=intent, text=asked)
        flow_id = FLOWS.get(intent)
        if intent == NONE or flow_id is None:
            turn.log("unanswered", value=asked)
            turn.services.show_menu(turn, lead=turn.services.texts.get("fallback"))
            return True
        start_flow(turn, state, flow_id, via="clarify", data={"query": asked} if asked else None)
        return True
