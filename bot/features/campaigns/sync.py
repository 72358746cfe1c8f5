"""After sending: the outbox's outcomes (sent, failed, seen, outside the free window) are
copied into the campaign's deliveries."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.zalo.errors import WINDOW_CODES, reason
from db import campaigns as rows
from db.session import session_scope


def sync(engine: Engine) -> int:
    """Copy outbox outcomes into deliveries; the number changed."""
    with session_scope(engine) as session:
        return rows.sync_from_outbox(session, window_codes=WINDOW_CODES, reason_of=reason)
