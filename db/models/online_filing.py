"""Guided online submissions: a resident following a step-by-step filing on VNeID or the
public service portal ("Nộp hồ sơ trực tuyến"), one row per attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow

# active → completed | cancelled. A cancelled one can be resumed (back to active).
STATUSES = ("active", "completed", "cancelled")
DOSSIER_CODE_MAX = 40


class OnlineFiling(SQLModel, table=True):
    """No personal data beyond the resident's id: the procedure, the step, the times. The
    dossier code (optional, typed by the resident) is kept only until its reminder is sent."""

    __tablename__ = "online_filing"
    __table_args__ = (
        Index("ix_online_filing_resident_status", "resident_id", "status"),
        Index("ix_online_filing_status_step_at", "status", "step_at"),
        Index("ix_online_filing_started", "started_at"),
        Index("ix_online_filing_remind", "remind_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    village_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("village.id", ondelete="SET NULL"))
    )
    flow: str = Field(sa_type=String(64))
    procedure: str = Field(sa_type=String(16))
    status: str = Field(default="active", sa_type=String(16))
    # The numbered step the resident is on, and the furthest one reached (for the funnel).
    step: str = Field(sa_type=String(64))
    step_index: int = 0
    max_step_index: int = 0
    step_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The last step the resident said they were stuck at (or went quiet at).
    stuck_step: str | None = Field(default=None, sa_type=String(64))
    stuck_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The one gentle follow-up for the current step.
    followup_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ticket_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("handoff_ticket.id", ondelete="SET NULL")),
    )
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dossier_code: str | None = Field(default=None, sa_type=String(DOSSIER_CODE_MAX))
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
