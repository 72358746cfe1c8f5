"""The handlers a resident's message goes through, in the order `text_chain` gives.

Text: features' interceptors (a conversation with a team member, a leader's commands) →
global commands (menu, cancel, back) → menu buttons → the answer to "Bạn muốn hỏi về…?" →
the active flow's buttons → free text read against the active step (its buttons' labels, its
`answers`) → intent (a clear new topic mid-flow switches and says so; an unsure one outside a
flow is asked about) → another step of the active flow by its topics → fallback (the step is
asked again, or the menu). Other messages (photo, sticker, link…):
features' interceptors → features' media handlers → a generic reply. The first handler that
returns True has answered; the dispatcher only runs the chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.base import Handler
from bot.handlers.clarify import ClarifyChoice
from bot.handlers.commands import GlobalCommands, MenuButtons
from bot.handlers.flows import ActiveFlow, FlowButtons, FlowTopic
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
        ClarifyChoice(),
        FlowButtons(),
        ActiveFlow(),
        ByIntent(),
        FlowTopic(),
        Fallback(),
    )


def media_chain(
    features: tuple[Feature, ...], interceptors: tuple[Handler, ...] | None = None
) -> tuple[Handler, ...]:
    first = (
        tuple(i for f in features for i in f.interceptors) if interceptors is None else interceptors
    )
    return (*first, *(m for f in features for m in f.media), NonTextReply())
