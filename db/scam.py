"""Queries for scam reports: record one, count them by type (and village) over a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models.scam import ScamReport
from db.types import utcnow


@dataclass(frozen=True)
class TypeCount:
    """How many reports of one scam type one village (None: no village known) sent."""

    village_id: int | None
    scam_type: str
    count: int


def record_report(
    session: Session,
    *,
    scam_type: str,
    text_redacted: str,
    signals: Sequence[str] = (),
    risk: str = "low",
    resident_id: int | None = None,
    village_id: int | None = None,
    created_at: datetime | None = None,
) -> ScamReport:
    """Store one report; `text_redacted` must already be redacted (`bot.features.scam.reports`)."""
    report = ScamReport(
        resident_id=resident_id,
        village_id=village_id,
        scam_type=scam_type,
        text_redacted=text_redacted,
        signals=list(signals),
        risk=risk,
        created_at=created_at or utcnow(),
    )
    session.add(report)
    session.flush()
    return report


def reports_by_type(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    village_id: int | None = None,
) -> list[TypeCount]:
    """Reports with ``since <= created_at < until``, counted by village and type, most first."""
    count = func.count().label("n")
    query = (
        select(ScamReport.village_id, ScamReport.scam_type, count)
        .where(col(ScamReport.created_at) >= since, col(ScamReport.created_at) < until)
        .group_by(col(ScamReport.village_id), col(ScamReport.scam_type))
        .order_by(count.desc(), col(ScamReport.scam_type))
    )
    if village_id is not None:
        query = query.where(col(ScamReport.village_id) == village_id)
    return [TypeCount(village, scam_type, int(n)) for village, scam_type, n in session.exec(query)]


def recent_reports(session: Session, *, limit: int = 50) -> list[ScamReport]:
    """The newest reports first (for officials reviewing what residents saw)."""
    query = select(ScamReport).order_by(col(ScamReport.created_at).desc()).limit(limit)
    return list(session.exec(query))
