"""Conversation state rows (used through `bot.flows.store.SqlStore`)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from db.models import Conversation
from db.rows import write


def get(session: Session, *, resident_id: int, for_update: bool = False) -> Conversation | None:
    return session.get(Conversation, resident_id, with_for_update=for_update)


def save(
    session: Session, *, resident_id: int, row: Conversation | None, **changes: Any
) -> Conversation:
    """Write `changes` (column name → value) to the resident's row (`row`, read by `get`; a new
    row when None), one version further; the row, flushed."""
    if row is None:
        row = Conversation(resident_id=resident_id)
    write(session, row, {**changes, "version": row.version + 1})
    session.flush()
    return row


def delete(session: Session, *, resident_id: int) -> None:
    row = session.get(Conversation, resident_id)
    if row is not None:
        session.delete(row)
        session.flush()
