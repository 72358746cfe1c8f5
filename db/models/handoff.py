"""Handoff tickets: a resident's request to reach a real team member ("Gặp cán bộ hỗ trợ")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow

# open → accepted → resolved; open | accepted → cancelled; accepted → open (released).
STATUSES = ("open", "accepted", "resolved", "cancelled")
ACTIVE = ("open", "accepted")
NEED_MAX = 500
WHEN_HOME_MAX = 100


class HandoffTicket(SQLModel, table=True):
    """One request. `need` is redacted (no ID numbers, OTPs, passwords) before it is stored."""

    __tablename__ = "handoff_ticket"
    __table_args__ = (
        # Open now / due for escalation; by time.
        Index("ix_handoff_ticket_status_created", "status", "created_at"),
        Index("ix_handoff_ticket_created", "created_at"),
        # Per village, per team member, and "does this resident have a request going?".
        Index("ix_handoff_ticket_village_created", "village_id", "created_at"),
        Index("ix_handoff_ticket_member_status", "assigned_member_id", "status"),
        Index("ix_handoff_ticket_resident_status", "resident_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    # None: commune level (the resident did not know, or lives outside any village).
    village_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("village.id", ondelete="SET NULL"))
    )
    need: str = Field(sa_type=String(NEED_MAX))
    # "morning" | "afternoon" | "evening" | "anytime" | "skip", or the resident's own words.
    when_home: str | None = Field(default=None, sa_type=String(WHEN_HOME_MAX))
    status: str = Field(default="open", sa_type=String(16))
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assigned_member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("team_member.id", ondelete="SET NULL")),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
