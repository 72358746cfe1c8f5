"""Campaign broadcasts: a campaign, its occurrences (one per scheduled run) and one delivery row
per target of each occurrence (see bot/features/campaigns/ and README "Campaigns")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from db.types import BigId, JsonType, UTCDateTime, utcnow


class Campaign(SQLModel, table=True):
    """A notice to send to villages' groups, relays and followers, now, once or repeatedly.

    status: pending_approval → scheduled ⇄ paused → done | cancelled
    """

    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_status_next", "status", "next_run_at"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_type=String(200))
    # A template id from content/campaigns/ (then `variables` fill it), or free text.
    template_id: str | None = Field(default=None, sa_type=String(64))
    text: str | None = Field(default=None, sa_type=String(4000))
    variables: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    # Subset of ["group", "relay", "followers"], and the village ids aimed at.
    target_kinds: list[str] = Field(default_factory=list, sa_type=JsonType)
    village_ids: list[int] = Field(default_factory=list, sa_type=JsonType)
    # Also the commune-level groups (no village): only for commune-wide campaigns.
    commune_groups: bool = False
    # now | once | cron | daily
    schedule_kind: str = Field(default="now", sa_type=String(8))
    run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cron: str | None = Field(default=None, sa_type=String(100))
    # daily: local "HH:MM" between start_date and end_date (ISO dates, Vietnam time)
    daily_time: str | None = Field(default=None, sa_type=String(5))
    start_date: str | None = Field(default=None, sa_type=String(10))
    end_date: str | None = Field(default=None, sa_type=String(10))
    urgent: bool = False
    status: str = Field(default="scheduled", sa_type=String(20))
    # The next occurrence's nominal time (UTC); None once there is none left.
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Occurrence keys (see db.campaigns.occurrence_key) that are not to be sent.
    skip_keys: list[str] = Field(default_factory=list, sa_type=JsonType)
    created_by: str = Field(sa_type=String(64))
    created_by_member_id: int | None = None
    approved_by: str | None = Field(default=None, sa_type=String(64))
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignOccurrence(SQLModel, table=True):
    """One scheduled run of a campaign: sent on time, sent late, missed or skipped."""

    __tablename__ = "campaign_occurrence"
    __table_args__ = (UniqueConstraint("campaign_id", "key", name="uq_campaign_occurrence_key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(sa_type=String(20))
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    fired_at: datetime = Field(sa_type=UTCDateTime)
    # on_time | late | missed | skipped
    status: str = Field(sa_type=String(12))
    targets: int = 0
    note: str | None = Field(default=None, sa_type=String(300))


class CampaignDelivery(SQLModel, table=True):
    """One target of one occurrence: a group post, a relay to a team member, or a follower.

    status: pending → sent | failed | skipped. Relays also get `relay_confirmed_at/by` when the
    team member taps "Đã chuyển vào nhóm".
    """

    __tablename__ = "campaign_delivery"
    __table_args__ = (
        Index("ix_campaign_delivery_campaign_status", "campaign_id", "status"),
        Index("ix_campaign_delivery_outbox", "outbox_id"),
        # The statistics count deliveries by creation time.
        Index("ix_campaign_delivery_created", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False)
    )
    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("campaign_occurrence.id", ondelete="CASCADE"), nullable=False
        )
    )
    # campaign id + occurrence key + target: the same decision never makes two rows.
    idempotency_key: str = Field(sa_type=String(200), unique=True)
    # group | relay | followers
    target_kind: str = Field(sa_type=String(12))
    # The group id, or the OA-scoped user id of the team member or resident.
    recipient: str = Field(sa_type=String(64))
    label: str = Field(default="", sa_type=String(200))
    village_id: int | None = None
    # For relays: the group the member forwards the post into.
    relay_group: str | None = Field(default=None, sa_type=String(200))
    # ... and its Zalo group id: the members asked for one group share one confirmation.
    relay_group_id: str | None = Field(default=None, sa_type=String(64))
    status: str = Field(default="pending", sa_type=String(12))
    outbox_id: int | None = Field(default=None, sa_type=BigId)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error_code: int | None = None
    reason: str | None = Field(default=None, sa_type=String(500))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    relay_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    relay_confirmed_by: str | None = Field(default=None, sa_type=String(200))
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SchedulerJob(SQLModel, table=True):
    """APScheduler's SQLAlchemyJobStore table, declared here so that migrations create it
    (the same columns APScheduler 3.x creates; it finds the table and uses it)."""

    __tablename__ = "apscheduler_jobs"

    id: str = Field(sa_type=String(191), primary_key=True)
    next_run_time: float | None = Field(default=None, sa_type=Float(25), index=True)
    job_state: bytes = Field(sa_type=LargeBinary)
