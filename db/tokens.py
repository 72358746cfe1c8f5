"""The OA token row: read, save a rotated pair, mark a refresh in progress or failed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from db.models import OAToken, OAuthPending

REFRESH_TOKEN_TTL = timedelta(days=90)


def get(session: Session, *, oa_id: str, for_update: bool = False) -> OAToken | None:
    return session.get(OAToken, oa_id, with_for_update=for_update)


def save_pair(
    session: Session,
    *,
    oa_id: str,
    access_token: str,
    refresh_token: str,
    expires_in_s: int,
    now: datetime,
) -> OAToken:
    """Store a new pair (first authorisation or rotation) and mark the row usable."""
    row = session.get(OAToken, oa_id, with_for_update=True)
    if row is None:
        row = OAToken(
            oa_id=oa_id,
            access_token=access_token,
            refresh_token=refresh_token,
            access_expires_at=now + timedelta(seconds=expires_in_s),
        )
    row.access_token = access_token
    row.refresh_token = refresh_token
    row.access_expires_at = now + timedelta(seconds=expires_in_s)
    row.refresh_expires_at = now + REFRESH_TOKEN_TTL
    row.version += 1
    row.state = "ok"
    row.last_error = None
    row.updated_at = now
    session.add(row)
    return row


def set_state(
    session: Session, *, oa_id: str, state: str, error: str | None, now: datetime
) -> None:
    row = session.get(OAToken, oa_id, with_for_update=True)
    if row is None:
        return
    row.state = state
    row.last_error = error
    row.updated_at = now
    session.add(row)


def add_pending_auth(session: Session, *, state: str, code_verifier: str, now: datetime) -> None:
    session.add(OAuthPending(state=state, code_verifier=code_verifier, created_at=now))


def pop_pending_auth(
    session: Session, *, state: str, max_age: timedelta, now: datetime
) -> str | None:
    """The PKCE verifier for `state`, once; None if unknown or older than `max_age`."""
    row = session.get(OAuthPending, state, with_for_update=True)
    if row is None:
        return None
    session.delete(row)
    if now - row.created_at > max_age:
        return None
    return row.code_verifier


def mark(
    session: Session,
    *,
    row: OAToken,
    state: str,
    error: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set a locked token row's state (and its error, or the time of the change)."""
    row.state = state
    if error is not None:
        row.last_error = error
    if now is not None:
        row.updated_at = now
    session.add(row)
