"""The invitation to subscribe: with the welcome after `follow`, and after a flow that
helped; never to a subscriber, and at most once per `news_offer_every_days`."""

from __future__ import annotations

from datetime import timedelta

from bot.replies import Button, Reply
from bot.services import GO_PREFIX
from bot.turn import Turn
from db import residents

MOMENTS = ("follow", "helpful")


def offer(turn: Turn, moment: str) -> Reply | None:
    resident = turn.resident
    if moment not in MOMENTS or resident is None or resident.news_opt_in:
        return None
    every = timedelta(days=turn.services.settings.news_offer_every_days)
    last = resident.news_offered_at
    if last is not None and turn.now - last < every:
        return None
    if not turn.services.flows.has("news"):
        return None
    residents.mark_news_offered(turn.session, resident=resident, now=turn.now)
    turn.log("news_offered", value=moment)
    texts = turn.texts
    button = Button(texts.get("news.offer_button"), payload=GO_PREFIX + "news")
    return Reply(texts.get("news.offer"), buttons=(button,))
