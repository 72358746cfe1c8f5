"""Scam reports residents send, stored redacted, for the commune's weekly statistics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from db.types import BigId, JsonType, UTCDateTime, utcnow


class ScamReport(SQLModel, table=True):
    """One scam attempt a resident reported: its type and the redacted text, never raw numbers."""

    __tablename__ = "scam_report"
    __table_args__ = (
        Index("ix_scam_report_created_village", "created_at", "village_id"),
        Index("ix_scam_report_type_created", "scam_type", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    resident_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("resident.id", ondelete="SET NULL"))
    )
    village_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("village.id", ondelete="SET NULL"))
    )
    # A key of content/scam/advice.yaml "types" (e.g. "gia_danh_cong_an"), "khac" when unknown.
    scam_type: str = Field(sa_type=String(48))
    # Phone numbers, account numbers, CCCD numbers, OTPs and card numbers masked.
    text_redacted: str = Field(sa_column=Column(Text, nullable=False))
    # Signal codes of the checker's verdict, most important first.
    signals: list[str] = Field(default_factory=list, sa_type=JsonType)
    risk: str = Field(default="low", sa_type=String(8))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
