"""Procedures imported from the national catalogue (curated ones live in content YAML)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from db.types import JsonType, UTCDateTime, utcnow


class ImportedProcedure(SQLModel, table=True):
    """One procedure record as read from a national-catalogue file, keyed by its national code.

    `record` is the parsed record (the `Procedure` model as JSON); `content_hash` is the hash of
    that record, so re-importing the same data changes nothing.
    """

    __tablename__ = "imported_procedure"

    code: str = Field(sa_type=String(16), primary_key=True)
    name: str = Field(sa_type=String(1000))
    field: str | None = Field(default=None, sa_type=String(300))
    record: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    content_hash: str = Field(sa_type=String(64))
    source_file: str = Field(sa_type=String(500))
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
