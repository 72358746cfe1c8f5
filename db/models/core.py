"""Core tables: residents, inbound events, conversation state, outbox, analytics log, tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from db.types import BigId, JsonType, UTCDateTime, utcnow


class Resident(SQLModel, table=True):
    """A Zalo user who follows or talks to the OA. Only what the service and statistics need."""

    __tablename__ = "resident"

    id: int | None = Field(default=None, primary_key=True)
    # The OA-scoped user id (sender.id / follower.id); unique per OA.
    zalo_user_id: str = Field(sa_type=String(64), unique=True, index=True)
    display_name: str | None = Field(default=None, sa_type=String(200))
    village_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("village.id", ondelete="SET NULL"))
    )
    # Chosen by the resident (a household code or "head of household + village"),
    # never an ID number.
    household_key: str | None = Field(default=None, sa_type=String(200))
    is_follower: bool = False
    # Village news (the `followers` campaign target): asked for in chat, with the consent's
    # time; withdrawn by "hủy nhận tin". `news_offered_at`: when the bot last offered it.
    news_opt_in: bool = False
    news_opt_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    news_offered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The one-tap "which village" question: when it was last put to the resident, and when
    # they answered it (a village or "Bỏ qua"). Asked by itself once; "đổi thôn" asks again.
    village_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    village_answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unfollowed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Last interaction that opens Zalo's messaging window (a message, follow, button tap, chat-now).
    last_interaction_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the privacy notice (what is kept, why, how long, how to delete) was shown.
    privacy_notice_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InboundEvent(SQLModel, table=True):
    """Every webhook delivery that passed the MAC check, stored before it is acknowledged.

    `dedupe_key` is unique: a redelivery of the same event is stored (and processed) once.
    Text is redacted (CCCD numbers, OTPs, passwords, cards) before it gets here.
    """

    __tablename__ = "inbound_event"
    __table_args__ = (
        Index("ix_inbound_event_subject_status", "subject_id", "status", "id"),
        # New pending events in id order (`bot worker`), and the sweeper's pending scan.
        Index("ix_inbound_event_status_id", "status", "id"),
        # The latest resident messages of a date range (the median reply time).
        Index("ix_inbound_event_name_id", "event_name", "id", "received_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    dedupe_key: str = Field(sa_type=String(200), unique=True)
    event_name: str = Field(sa_type=String(64), index=True)
    # Whose queue the event belongs to: the resident (or the group for group events).
    subject_id: str = Field(sa_type=String(64))
    msg_id: str | None = Field(default=None, sa_type=String(64))
    zalo_timestamp_ms: int = Field(default=0, sa_type=BigId)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    redacted: str | None = Field(default=None, sa_type=String(100))
    # pending → done | failed | ignored
    status: str = Field(default="pending", sa_type=String(16))
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=String(500))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """Where a resident is in a guided flow (one row per resident)."""

    __tablename__ = "conversation"

    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True)
    )
    flow_id: str | None = Field(default=None, sa_type=String(64))
    step_id: str | None = Field(default=None, sa_type=String(64))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    # Earlier steps, for "quay lại".
    history: list[str] = Field(default_factory=list, sa_type=JsonType)
    # "bot", or "human" while a team member has the conversation (handoff).
    mode: str = Field(default="bot", sa_type=String(16))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0


class Outbox(SQLModel, table=True):
    """One outgoing Zalo message. Rows are written in the same transaction as the decision to
    send, and a sender delivers them; `idempotency_key` makes each decision send at most once.

    status: pending → sending → sent | failed | uncertain (→ pending or sent after reconciling)
            | cancelled | skipped (a rule forbade it when its turn came: a campaign copy after
            Zalo's free window); a paused campaign's queued sends wait as held
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient_status", "recipient", "status"),
        # The first reply sent for a resident message (the median reply time).
        Index(
            "ix_outbox_sent_reply",
            "source_event_id",
            "sent_at",
            postgresql_where=text("status = 'sent' AND kind = 'reply'"),
            sqlite_where=text("status = 'sent' AND kind = 'reply'"),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    idempotency_key: str = Field(sa_type=String(200), unique=True)
    # reply, notify, broadcast, relay, reminder, ...
    kind: str = Field(default="reply", sa_type=String(32))
    # "user" (1:1 CS message) or "group" (OA-managed group)
    recipient_kind: str = Field(default="user", sa_type=String(8))
    recipient: str = Field(sa_type=String(64))
    # The Zalo "message" object as it will be posted.
    message: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    # What to look for in the conversation history when reconciling an uncertain send.
    fingerprint: str = Field(default="", sa_type=String(200))
    priority: int = 0  # lower goes first: 0 replies, 5 notifications, 10 broadcasts
    status: str = Field(default="pending", sa_type=String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, sa_type=String(64))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    zalo_message_id: str | None = Field(default=None, sa_type=String(64), index=True)
    error_code: int | None = None
    error_message: str | None = Field(default=None, sa_type=String(500))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source_event_id: int | None = Field(default=None, sa_type=BigId)


class EventLog(SQLModel, table=True):
    """One row per thing worth counting (message in/out, flow step, search, scam check, ...)."""

    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_kind_time", "kind", "created_at"),
        Index("ix_event_log_village_kind_time", "village_id", "kind", "created_at"),
        Index("ix_event_log_resident_time", "resident_id", "created_at"),
        # Only the rows still to be folded into the daily rollups (see db/rollup.py).
        Index(
            "ix_event_log_unrolled",
            "id",
            postgresql_where=text("NOT rolled"),
            sqlite_where=text("NOT rolled"),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    kind: str = Field(sa_type=String(48))
    resident_id: int | None = None
    village_id: int | None = None
    flow: str | None = Field(default=None, sa_type=String(64))
    step: str | None = Field(default=None, sa_type=String(64))
    value: str | None = Field(default=None, sa_type=String(300))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Folded into the daily rollups yet?
    rolled: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class OAToken(SQLModel, table=True):
    """The OA's access/refresh token pair. Rotated atomically; a refresh token is used once."""

    __tablename__ = "oa_token"

    oa_id: str = Field(sa_type=String(64), primary_key=True)
    access_token: str = Field(sa_type=String(2000))
    refresh_token: str = Field(sa_type=String(2000))
    access_expires_at: datetime = Field(sa_type=UTCDateTime)
    refresh_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0
    # ok | needs_reauth (the refresh token was rejected or may have been consumed)
    state: str = Field(default="ok", sa_type=String(16))
    last_error: str | None = Field(default=None, sa_type=String(500))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OAuthPending(SQLModel, table=True):
    """A PKCE verifier waiting for the OA admin to finish the permission page."""

    __tablename__ = "oauth_pending"

    state: str = Field(sa_type=String(64), primary_key=True)
    code_verifier: str = Field(sa_type=String(128))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AppLock(SQLModel, table=True):
    """A named lease held by one process (the active scheduler, a token refresher)."""

    __tablename__ = "app_lock"

    name: str = Field(sa_type=String(64), primary_key=True)
    owner: str = Field(sa_type=String(128))
    expires_at: datetime = Field(sa_type=UTCDateTime)
