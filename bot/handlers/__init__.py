"""The handlers a resident's message goes through, in the order `text_chain` gives.

Text: features' interceptors (a conversation with a team member, a leader's commands) →
global commands (menu, cancel, back) → menu buttons → the active flow's buttons → free text
at the active flow's step → intent → fallback. Other messages (photo, sticker, link…):
features' interceptors → features' media handlers → a generic reply. The first handler that
returns True has answered; the dispatcher only runs the chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.base import Handler
from bot.handlers.commands import GlobalCommands, MenuButtons
from bot.handlers.flows import ActiveFlow, FlowButtons
from bot.handlers.intent import ByIntent, Fallback
from bot.handlers.media import NonTextReply

if TYPE_CHECKING:
    from bot.feature import Feature


def text_chain(
    features: tuple[Feature, ...], interceptors: tuple[Handler, ...] | None = None
) -> tuple[Handler, ...]:
    first = (
        tuple(i for f in features for i in f.interceptors) if interceptors is None else interceptors
    )
    return (
        *first,
        GlobalCommands(),
        MenuButtons(),
        FlowButtons(),
        ActiveFlow(),
        ByIntent(),
        Fallback(),
    )


def media_chain(
    features: tuple[Feature, ...], interceptors: tuple[Handler, ...] | None = None
) -> tuple[Handler, ...]:
    first = (
        tuple(i for f in features for i in f.interceptors) if interceptors is None else interceptors
    )
    return (*first, *(m for f in features for m in f.media), NonTextReply())
