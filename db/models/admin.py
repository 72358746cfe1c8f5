"""Admin API tokens (stored hashed) and the audit log of admin actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from db.types import BigId, JsonType, UTCDateTime, utcnow


class ApiToken(SQLModel, table=True):
    """A bearer token for the admin API and dashboard. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", sa_type=String(200))
    token_hash: str = Field(sa_type=String(64), unique=True)
    # A name that is not secret, to tell tokens apart in lists: "bootstrap" (ADMIN_TOKEN),
    # "demo" (the demo token), or the one given to `bot admin create-token --label`. No
    # character of the token itself is stored.
    label: str = Field(default="", sa_type=String(64))
    # admin | official | leader
    role: str = Field(sa_type=String(16))
    # Village codes this token may see; empty = the whole commune.
    villages: list[str] = Field(default_factory=list, sa_type=JsonType)
    # For leader tokens: the team member (Zalo user id) acting through this token.
    member_zalo_id: str | None = Field(default=None, sa_type=String(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    """Who did what through the admin API, the dashboard, the CLI or a leader's chat."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_time", "created_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    # "token:<id>", "member:<zalo id>", "cli"
    actor: str = Field(sa_type=String(100))
    action: str = Field(sa_type=String(64))
    target: str | None = Field(default=None, sa_type=String(200))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
