"""The teams' own door-to-door work: one row per visit or help session a member recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from db.types import JsonType, UTCDateTime, utcnow


class FieldVisit(SQLModel, table=True):
    """What a team member did for one household on one day ("Ghi nhận hỗ trợ").

    The household is named only by the folded "head of household + village" key the 5-skills
    figures use (`household_id`, beside the name as typed); never an ID or phone number.
    `actions` holds codes (vneid_installed, vneid_level2, filing, skills, mastered, cashless,
    shop, scam); `skills` the skills taught; `procedure` the procedure filed online.
    """

    __tablename__ = "field_visit"
    __table_args__ = (
        Index("ix_field_visit_member_created", "member_id", "created_at"),
        Index("ix_field_visit_village_household", "village_id", "household_id"),
        Index("ix_field_visit_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=Column(Integer, ForeignKey("team_member.id"), nullable=False))
    village_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("village.id"), nullable=True)
    )
    household_key: str = Field(sa_type=String(80))
    household_id: str = Field(sa_type=String(80))
    actions: list[str] = Field(default_factory=list, sa_type=JsonType)
    skills: list[str] = Field(default_factory=list, sa_type=JsonType)
    procedure: str | None = Field(default=None, sa_type=String(120))
    people: int | None = None
    # The campaign ("Ngày hội dịch vụ công") whose day this help was given on, if asked.
    campaign_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="SET NULL"), nullable=True),
    )
    # The day in Vietnam (YYYY-MM-DD): a record can be corrected or deleted that day only.
    day: str = Field(sa_type=String(10))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
