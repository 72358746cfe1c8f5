"""Shared by the VNeID and digital skills transcripts: what was logged, and services that
are loaded once per test session (the content does not change between tests)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import Settings
from bot.dev.localchat import LocalChat
from bot.features.enabled import FEATURES
from bot.features.procedures.runtime import lookup_for, procedure_service
from bot.services import ProcedureLookup, Services
from db.models import EventLog
from db.session import read_scope

COMMUNE = "Xã Hòa An"


@lru_cache(maxsize=1)
def _loaded() -> Services:
    return Services.load(Settings(), FEATURES, commune_name=COMMUNE)


def services_for(db_url: str) -> Services:
    """The real services for `db_url`, reusing the content loaded once (router, scam
    checker, flows, texts): loading them is most of a transcript test's time."""
    loaded = _loaded()
    settings = Settings(database_url=db_url)
    procedures = procedure_service(settings.content_dir, db_url)
    return dataclasses.replace(loaded, settings=settings).with_extras(
        procedures, ProcedureLookup(lookup_for(procedures))
    )


def logged(engine: Engine, kind: str) -> list[EventLog]:
    with read_scope(engine) as s:
        return list(
            s.exec(select(EventLog).where(EventLog.kind == kind).order_by(col(EventLog.id))).all()
        )


def steps(engine: Engine, flow: str) -> list[str]:
    """Steps of `flow` shown, in order (not the `start` step that only routes)."""
    return [
        r.step or "" for r in logged(engine, "flow_step") if r.flow == flow and r.step != "start"
    ]


def latest_buttons(said: list[Any]) -> list[dict[str, Any]]:
    """The buttons of the latest message that had any (Zalo's button dicts)."""
    return next(s.buttons for s in reversed(said) if s.buttons)


def tap(chat: LocalChat, title: str) -> None:
    """Tap the button titled exactly `title` on the latest message with buttons."""
    for button in latest_buttons(chat.history):
        if button["title"] == title:
            chat.send(str(button["payload"]))
            return
    msg = f"no button {title!r}; the latest buttons are {chat.last_buttons}"
    raise AssertionError(msg)


def answer_helpfully(chat: LocalChat) -> list[Any]:
    """A VNeID answer, then "helpful": what the bot sent with its thanks (an invitation, a
    question, when one is due), the menu last."""
    chat.send("#go:vneid")
    chat.press("Xem thêm")
    chat.press("Mức 2 dùng được gì?")
    chat.press("Xong, cảm ơn")
    chat.press("Có, hữu ích")
    said = list(chat.batch)
    assert any("Cảm ơn bạn đã góp ý" in s.text for s in said)
    assert len(chat.last_buttons) == 5  # the menu comes last
    return said
