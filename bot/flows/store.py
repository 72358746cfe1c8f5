"""A resident's conversation state (`FlowState`) and where it is kept: `SqlStore`, the
`conversation` table, inside the turn's transaction (so state, replies and analytics commit
together). Its rows are read and written by `db.conversations`."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from db import conversations
from db.models import Conversation


@dataclass
class FlowState:
    flow_id: str | None = None
    step_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    mode: str = "bot"
    updated_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.flow_id is not None and self.step_id is not None


class SqlStore:
    def __init__(self, session: Session) -> None:
        self._session = session
        # Rows this store read FOR UPDATE in the session's transaction: locked until it ends,
        # and in the session's identity map, so saving them needs no second read.
        self._locked: dict[int, Conversation] = {}

    def _row(self, resident_id: int) -> Conversation | None:
        row = self._locked.get(resident_id)
        if row is None:
            row = conversations.get(self._session, resident_id=resident_id, for_update=True)
            if row is not None:
                self._locked[resident_id] = row
        return row

    def get(self, resident_id: int) -> FlowState | None:
        row = self._row(resident_id)
        if row is None:
            return None
        return FlowState(
            flow_id=row.flow_id,
            step_id=row.step_id,
            data=copy.deepcopy(dict(row.data)),
            history=list(row.history),
            mode=row.mode,
            updated_at=row.updated_at,
            expires_at=row.expires_at,
        )

    def save(self, resident_id: int, state: FlowState) -> None:
        changes: dict[str, Any] = {
            "flow_id": state.flow_id,
            "step_id": state.step_id,
            "data": copy.deepcopy(state.data),
            "history": list(state.history),
            "mode": state.mode,
            "expires_at": state.expires_at,
        }
        if state.updated_at is not None:
            changes["updated_at"] = state.updated_at
        self._locked[resident_id] = conversations.save(
            self._session, resident_id=resident_id, row=self._row(resident_id), **changes
        )

    def clear(self, resident_id: int) -> None:
        self._locked.pop(resident_id, None)
        conversations.delete(self._session, resident_id=resident_id)
