"""The analytics log: one row per countable thing (messages, flow steps, searches, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from db.models import EventLog


def record(
    session: Session,
    *,
    kind: str,
    now: datetime,
    resident_id: int | None = None,
    village_id: int | None = None,
    flow: str | None = None,
    step: str | None = None,
    value: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        EventLog(
            kind=kind,
            resident_id=resident_id,
            village_id=village_id,
            flow=flow,
            step=step,
            value=value[:300] if value else value,
            data=data or {},
            created_at=now,
        )
    )
