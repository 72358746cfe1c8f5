"""API tokens and the audit log."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from db.models import ApiToken, AuditLog


def hash_token(token: str) -> str:
    # Tokens are 32 random bytes: a plain SHA-256 cannot be brute-forced, no slow hash needed.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    token: str,
    role: str,
    villages: list[str],
    name: str,
    now: datetime,
    expires_at: datetime | None,
    member_zalo_id: str | None = None,
    label: str | None = None,
) -> ApiToken:
    """A new token row (`label`: a non-secret name; the name or the role when not given)."""
    row = ApiToken(
        name=name,
        token_hash=hash_token(token),
        label=(label or name or role)[:64],
        role=role,
        villages=villages,
        member_zalo_id=member_zalo_id,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def find_any(session: Session, *, token: str) -> ApiToken | None:
    """The token's row whatever its state (active, expired or revoked)."""
    return session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()


def find_active(session: Session, *, token: str, now: datetime) -> ApiToken | None:
    row = find_any(session, token=token)
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row


def touch(session: Session, *, token_id: int, now: datetime) -> None:
    row = session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = now
        session.add(row)


def revoke(session: Session, *, token_id: int, now: datetime) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    return True


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))).all())


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    now: datetime,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(actor=actor, action=action, target=target, detail=detail or {}, created_at=now)
    )


def recent_audit(session: Session, *, limit: int = 100) -> list[AuditLog]:
    return list(session.exec(select(AuditLog).order_by(col(AuditLog.id).desc()).limit(limit)).all())
