"""Keeps the OA access token valid across processes without ever reusing a refresh token.

- The pair lives in the `oa_token` row; every process reads it from there.
- One refresher at a time: a database lease (`app_lock`) plus an in-process lock.
- Before calling Zalo the row is marked ``refreshing`` (committed). If the answer is lost
  (crash, read timeout) the old refresh token may already be consumed, so nobody tries it
  again: the row goes to ``needs_reauth`` and an operator re-authorises (`bot zalo connect`).
  If the request never left (connection refused) the row goes back to ``ok``.
- The rotated pair is committed before it is used.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import Engine

from bot.clock import Clock
from bot.zalo.client import TokenPair, ZaloClient
from bot.zalo.errors import ZaloError, ZaloOutcomeUnknown, ZaloUnreachable
from db import locks
from db import tokens as token_rows
from db.session import session_scope

log = logging.getLogger(__name__)

LEASE_TTL_S = 30.0


class TokenUnavailable(Exception):
    """No usable access token: the OA must be (re)authorised."""


@dataclass(frozen=True)
class _Cached:
    access_token: str
    expires_at: datetime
    version: int


def process_owner() -> str:
    """Unique per manager, so two managers never mistake each other's lease for their own."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class TokenManager:
    """Hands out a valid access token; refreshes proactively and when Zalo rejects one."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: ZaloClient,
        oa_id: str,
        clock: Clock,
        margin_s: int,
        bootstrap: Callable[[], Awaitable[TokenPair]] | None = None,
        on_alert: Callable[[str], None] | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._oa_id = oa_id
        self._clock = clock
        self._margin = timedelta(seconds=margin_s)
        self._bootstrap = bootstrap
        self._on_alert = on_alert or (lambda message: log.error("token alert: %s", message))
        self._lock = asyncio.Lock()
        self._cached: _Cached | None = None
        self._owner = process_owner()
        self.refresh_count = 0

    async def access_token(self) -> str:
        """A token that is valid now (refreshing first when it is about to expire)."""
        cached = self._cached
        now = self._clock.now()
        if cached is not None and cached.expires_at - now > self._margin:
            return cached.access_token
        async with self._lock:
            row = await self._read()
            now = self._clock.now()
            if row is None:
                return await self._first_pair()
            if row.state == "needs_reauth":
                return await self._reauthorise_or_fail(row.last_error)
            if row.access_expires_at - now > self._margin:
                return row.access_token
            try:
                return await self._refresh(expected_version=row.version)
            except TokenUnavailable:
                if row.access_expires_at > now:
                    return row.access_token  # still valid; the alert is raised
                raise

    async def rejected(self, access_token: str) -> str:
        """Zalo said the token is invalid/expired: refresh once (unless someone already did)."""
        async with self._lock:
            row = await self._read()
            if row is None:
                return await self._first_pair()
            if row.access_token != access_token and row.state == "ok":
                return row.access_token  # another process rotated it meanwhile
            if row.state == "needs_reauth":
                return await self._reauthorise_or_fail(row.last_error)
            return await self._refresh(expected_version=row.version)

    async def refresh_if_due(self) -> bool:
        """For the periodic job: rotate when fewer than `margin` seconds remain."""
        async with self._lock:
            row = await self._read()
            if row is None or row.state != "ok":
                return False
            if row.access_expires_at - self._clock.now() > self._margin:
                return False
            await self._refresh(expected_version=row.version)
            return True

    async def store_pair(self, pair: TokenPair) -> None:
        """Save a pair obtained by authorisation (OAuth callback, `bot zalo set-token`)."""
        await anyio.to_thread.run_sync(self._save_pair, pair)

    # -- internals -------------------------------------------------------------------------

    async def _read(self) -> _Row | None:
        return await anyio.to_thread.run_sync(self._read_sync)

    def _read_sync(self) -> _Row | None:
        with session_scope(self._engine) as session:
            row = token_rows.get(session, oa_id=self._oa_id)
            if row is None:
                return None
            result = _Row(
                access_token=row.access_token,
                refresh_token=row.refresh_token,
                access_expires_at=row.access_expires_at,
                version=row.version,
                state=row.state,
                last_error=row.last_error,
            )
        if result.state == "ok":
            self._cached = _Cached(result.access_token, result.access_expires_at, result.version)
        return result

    def _save_pair(self, pair: TokenPair) -> str:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            row = token_rows.save_pair(
                session,
                oa_id=self._oa_id,
                access_token=pair.access_token,
                refresh_token=pair.refresh_token,
                expires_in_s=pair.expires_in_s,
                now=now,
            )
            self._cached = _Cached(row.access_token, row.access_expires_at, row.version)
            locks.release(session, name=self._lease_name, owner=self._owner)
        return pair.access_token

    @property
    def _lease_name(self) -> str:
        return f"oa-token:{self._oa_id}"

    def _begin_refresh(self, expected_version: int) -> str | None:
        """Take the lease and mark the row `refreshing`; the refresh token to use, or None when
        another process rotated the pair already (or holds the lease)."""
        now = self._clock.now()
        with session_scope(self._engine) as session:
            if not locks.try_acquire(
                session, name=self._lease_name, owner=self._owner, ttl_s=LEASE_TTL_S, now=now
            ):
                return None
            row = token_rows.get(session, oa_id=self._oa_id, for_update=True)
            if row is None or row.version != expected_version:
                locks.release(session, name=self._lease_name, owner=self._owner)
                return None
            if row.state == "refreshing":
                # A refresher died between asking Zalo and saving: the token may be consumed.
                token_rows.mark(
                    session,
                    row=row,
                    state="needs_reauth",
                    error="an earlier refresh did not finish; re-authorise the OA",
                )
                locks.release(session, name=self._lease_name, owner=self._owner)
                return ""
            token_rows.mark(session, row=row, state="refreshing", now=now)
            return row.refresh_token

    def _end_refresh(self, state: str, error: str | None) -> None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            token_rows.set_state(session, oa_id=self._oa_id, state=state, error=error, now=now)
            locks.release(session, name=self._lease_name, owner=self._owner)

    async def _refresh(self, *, expected_version: int) -> str:
        self._cached = None
        for _ in range(int(LEASE_TTL_S * 10)):
            refresh_token = await anyio.to_thread.run_sync(self._begin_refresh, expected_version)
            if refresh_token:
                break
            row = await self._read()
            if refresh_token == "" or (row is not None and row.state == "needs_reauth"):
                return await self._reauthorise_or_fail(row.last_error if row else None)
            if row is not None and row.version != expected_version and row.state == "ok":
                return row.access_token
            await asyncio.sleep(0.1)  # another process holds the lease; wait for its result
        else:
            msg = "timed out waiting for another process to refresh the token"
            raise TokenUnavailable(msg)
        try:
            pair = await self._client.refresh(refresh_token)
        except ZaloUnreachable as exc:
            await anyio.to_thread.run_sync(self._end_refresh, "ok", f"refresh not sent: {exc}")
            msg = f"could not reach Zalo to refresh the token: {exc}"
            raise TokenUnavailable(msg) from exc
        except (ZaloError, ZaloOutcomeUnknown) as exc:
            error = f"refresh failed: {exc}"
            await anyio.to_thread.run_sync(self._end_refresh, "needs_reauth", error)
            self._on_alert(error + " — re-authorise the OA (bot zalo connect)")
            return await self._reauthorise_or_fail(error)
        self.refresh_count += 1
        log.info("OA access token rotated")
        return await anyio.to_thread.run_sync(self._save_pair, pair)

    async def _first_pair(self) -> str:
        if self._bootstrap is None:
            msg = "the OA is not authorised yet: run `bot zalo connect` (see README)"
            raise TokenUnavailable(msg)
        pair = await self._bootstrap()
        return await anyio.to_thread.run_sync(self._save_pair, pair)

    async def _reauthorise_or_fail(self, error: str | None) -> str:
        if self._bootstrap is not None:
            # Demo mode: the simulator lets us authorise again without a person.
            return await self._first_pair()
        msg = f"the OA needs to be re-authorised: {error or 'refresh token unusable'}"
        raise TokenUnavailable(msg)


@dataclass(frozen=True)
class _Row:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    version: int
    state: str
    last_error: str | None
