"""Named leases in the database: one holder at a time across processes, expiring on their own.

Used for the active scheduler (standby schedulers wait) and the OA token refresher.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from db.models import AppLock


def try_acquire(session: Session, *, name: str, owner: str, ttl_s: float, now: datetime) -> bool:
    """Take or renew the lease `name` for `owner`; False when someone else holds it."""
    row = session.get(AppLock, name, with_for_update=True)
    expires = now + timedelta(seconds=ttl_s)
    if row is None:
        try:
            with session.begin_nested():
                session.add(AppLock(name=name, owner=owner, expires_at=expires))
        except IntegrityError:
            return False
        return True
    if row.owner != owner and row.expires_at > now:
        return False
    row.owner = owner
    row.expires_at = expires
    session.add(row)
    return True


def release(session: Session, *, name: str, owner: str) -> None:
    row = session.get(AppLock, name, with_for_update=True)
    if row is not None and row.owner == owner:
        session.delete(row)


def holder(session: Session, *, name: str, now: datetime) -> str | None:
    row = session.get(AppLock, name)
    if row is None or row.expires_at <= now:
        return None
    return row.owner


def lock_subject(session: Session, subject_id: str) -> None:
    """Hold a per-subject lock until the transaction ends (a PostgreSQL advisory lock; on
    SQLite the one writer at a time is the lock)."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(subject_id.encode()) - 2**31
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
