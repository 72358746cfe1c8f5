"""What every handler is: `handle(turn, state, text)`, True when it has answered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn


class Handler(Protocol):
    """Sees a resident's message in its turn. For messages that are not text (photo,
    sticker, file, link…) `text` is "" and the message is `turn.event`."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool: ...
