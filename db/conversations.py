"""Conversation state rows (used through `bot.flows.store.SqlStore`)."""

from __future__ import annotations

from sqlmodel import Session

from db.models import Conversation


def get(session: Session, *, resident_id: int, for_update: bool = False) -> Conversation | None:
    return session.get(Conversation, resident_id, with_for_update=for_update)


def save(session: Session, *, row: Conversation) -> None:
    row.version += 1
    session.add(row)
    session.flush()


def delete(session: Session, *, resident_id: int) -> None:
    row = session.get(Conversation, resident_id)
    if row is not None:
        session.delete(row)
        session.flush()
