"""Handlers for flows: starting one, its buttons, free text at its current step."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn


def start_flow(
    turn: Turn,
    state: FlowState,
    flow_id: str,
    *,
    via: str,
    data: dict[str, str] | None = None,
) -> None:
    """Start `flow_id`, or say the feature is not available yet when no such flow is loaded."""
    services = turn.services
    if services.flows.has(flow_id):
        services.flows.start(turn, state, flow_id, via=via, data=data)
        return
    label = next((i.label for i in services.menu.main if i.flow_id == flow_id), flow_id)
    turn.log("feature_unavailable", flow=flow_id)
    services.show_menu(turn, lead=services.texts.get("feature_coming", feature=label))


class FlowButtons:
    """A button of a flow's step (its payload names the flow, step and choice)."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        return turn.services.flows.on_payload(turn, state, text)


class ActiveFlow:
    """Free text read against the active flow's current step."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        return state.active and turn.services.flows.on_text(turn, state, text)


class FlowTopic:
    """After the intent: text that named no clear new topic may still name another step of
    the active flow (its topics)."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        return turn.services.flows.on_topic(turn, state, text)
