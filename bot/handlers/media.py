"""The generic answer to a message that is not text and that no feature took."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.zalo.events import UserMessageEvent

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn


class NonTextReply:
    """A photo, sticker, file…: say what the bot can do with text, with the menu."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        del state, text
        assert isinstance(turn.event, UserMessageEvent)
        texts = turn.services.texts
        key = f"non_text.{turn.event.kind}"
        lead = texts.get(key) if texts.has(key) else texts.get("fallback")
        turn.services.show_menu(turn, lead=lead)
        return True
