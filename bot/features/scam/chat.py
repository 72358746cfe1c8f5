"""A shared link is what scams arrive as: offer to check it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.flows import start_flow
from bot.zalo.events import UserMessageEvent

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn


class SharedLink:
    """A link shared outside a conversation with a team member starts the scam check."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        del text
        event = turn.event
        flows = turn.services.flows
        if not isinstance(event, UserMessageEvent) or event.kind != "link":
            return False
        if not flows.has("scam_check") or state.mode != "bot":
            return False
        start_flow(turn, state, "scam_check", via="link", data={"query": _link_of(event)})
        flows.touch(turn, state)
        return True


def _link_of(event: UserMessageEvent) -> str:
    for attachment in event.message.attachments:
        if isinstance(attachment.payload, dict) and attachment.payload.get("url"):
            return str(attachment.payload["url"])
    return event.message.text or ""
