"""The "delivery" section: how sending through Zalo goes, and the billing alert.

Zalo bills 1:1 messages sent 48 h to 7 days after a resident's last interaction; when the
OA's Zalo Cloud Account cannot pay, Zalo refuses them with -320/-321 (updates-2026.md
§1.2). Those messages are held, not lost, and officials see here that the account needs
money, with Zalo's latest `quota` answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.reporting import VN, Context
from bot.zalo.errors import BILLING_CODES
from db import outbox as q
from db.stats import Window


def _local(at: datetime | None) -> dict[str, str] | None:
    if at is None:
        return None
    local = at.astimezone(VN)
    return {"at": local.isoformat(timespec="seconds"), "text": local.strftime("%H:%M %d/%m/%Y")}


def delivery(session: Session, window: Window, ctx: Context) -> dict[str, Any]:  # noqa: ARG001 (commune-wide)
    billing = q.billing_summary(session, since=window.start, until=window.end, codes=BILLING_CODES)
    latest = q.latest_quota(session)
    return {
        "outbox": q.counts_by_status(session),
        "billing": billing["billing"],
        "billing_held": billing["held"],
        "last_billing": _local(billing["last_billing_at"]),
        "quota": None if latest is None else {"values": latest[0], **(_local(latest[1]) or {})},
    }
