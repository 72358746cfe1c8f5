"""A resident chatting with the real dispatcher over a real database, without HTTP.

`bot.dev.localchat.LocalChat` does the work (events stored as the webhook stores them, the real
processor, replies read back from the outbox); this adds what transcript tests read, and a
clock that stands still until a test moves it.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.dev.localchat import OA_ID, LocalChat, Said, said_from
from bot.handlers.base import Handler
from bot.services import Services

__all__ = ["OA_ID", "Chat", "Said", "said_from"]


class Chat(LocalChat):
    """One resident talking to the bot."""

    clock: FakeClock

    def __init__(
        self,
        engine: Engine,
        services: Services,
        *,
        user_id: str = "2468458835296117922",
        clock: FakeClock | None = None,
        interceptors: tuple[Handler, ...] | None = None,
    ) -> None:
        super().__init__(
            engine, services, user_id=user_id, clock=clock or FakeClock(), interceptors=interceptors
        )

    @property
    def said(self) -> str:
        """Everything the bot answered to the latest message, as one text."""
        return "\n".join(s.text for s in self.batch)

    @property
    def last(self) -> Said:
        return self.history[-1]

    def transcript(self) -> str:
        return "\n---\n".join(
            s.text + ("\n" + str(s.labels) if s.buttons else "") for s in self.history
        )
