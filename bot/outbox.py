"""The outbox sender: delivers queued rows to Zalo at a set rate, records every outcome.

Guarantee (see README "Delivery guarantee"): every queued message is sent, or recorded as
failed with Zalo's code, and never sent twice — except in one window that no Zalo client
can close, because Zalo takes no idempotency key: after Zalo accepted a message and before
the one-row update that records it. A row caught there (crash, read timeout, lost answer)
becomes `uncertain`; it is reconciled from the OA's `oa_send_*` echo or, for 1:1 chats,
from the conversation history, and only re-sent when neither shows it went out. Group
messages (no history API) stay `uncertain` for an operator when no echo arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import Engine

from bot import failpoints
from bot.clock import Clock
from bot.metrics import Metrics
from bot.text.normalize import nfc
from bot.zalo.client import SendResult, ZaloClient
from bot.zalo.errors import Action, ZaloError, ZaloOutcomeUnknown, ZaloUnreachable, reason
from bot.zalo.tokens import TokenManager, TokenUnavailable
from db import outbox as rows
from db.models import Outbox
from db.session import read_scope, session_scope

log = logging.getLogger(__name__)

# Zalo delivers a 1:1 message only within 7 days of the resident's last interaction: a row
# held for billing longer than this can never go out.
ZALO_WINDOW = timedelta(days=7)
# Why a campaign copy was not sent when its turn came (read by officials in the report).
FREE_WINDOW_OVER = (
    "Người nhận không tương tác với OA trong {hours} giờ qua: tin chiến dịch chỉ gửi "
    "trong khung miễn phí của Zalo"
)


class RateLimiter:
    """A token bucket: at most `rate` sends per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient_kind: str
    recipient: str
    message: dict[str, object]
    fingerprint: str
    attempts: int
    kind: str
    claimed_at: datetime
    created_at: datetime


_NONCE = uuid.uuid4().hex[:8]


def owner_id() -> str:
    """Who claims rows: host, process id, and a nonce that tells a restarted process apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{_NONCE}"


def owner_is_dead(owner: str) -> bool:
    """True when `owner` is a process on this host that no longer runs (or an earlier life of
    this process whose id was reused)."""
    host, _, rest = owner.partition(":")
    pid, _, nonce = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return nonce != _NONCE
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class OutboxSender:
    """Claims due rows, sends them (per recipient in order), records outcomes."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: ZaloClient,
        tokens: TokenManager,
        clock: Clock,
        metrics: Metrics,
        rate_per_s: float,
        concurrency: int,
        max_attempts: int,
        backoff_base_s: float,
        backoff_max_s: float,
        lease_s: float,
        poll_s: float,
        echo_grace_s: float = 10.0,
        billing_retry_s: float = 1800.0,
        oa_id: str = "",
        broadcast_window_h: float | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._tokens = tokens
        self._clock = clock
        self._metrics = metrics
        self._limiter = RateLimiter(rate_per_s)
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_s
        self._backoff_max = backoff_max_s
        self._lease_s = lease_s
        self._poll_s = poll_s
        # Wait this long for an echo before asking the conversation history about a row.
        self._echo_grace_s = echo_grace_s
        self._billing_retry_s = billing_retry_s
        self._oa_id = oa_id
        # Campaign copies to followers go only within this many hours of the follower's last
        # interaction (Zalo's free window), checked again when their turn comes: a copy held
        # overnight by the quiet hours may have left it meanwhile.
        self._broadcast_window = (
            None
            if broadcast_window_h is None
            else min(timedelta(hours=broadcast_window_h), ZALO_WINDOW)
        )
        # The last `quota` answer written down: only a change is recorded again.
        self._last_quota: dict[str, str] | None = None
        self._owner = owner_id()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_recovery = 0.0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                if time.monotonic() - self._last_recovery > 2.0:
                    self._last_recovery = time.monotonic()
                    await self.recover()
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sender loop error")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)

    # -- one round -----------------------------------------------------------------------

    async def run_once(self, limit: int | None = None) -> int:
        """Claim and send one batch; the number of rows handled."""
        batch = limit or self._concurrency * 4
        claimed = await anyio.to_thread.run_sync(self._claim, batch)
        if not claimed:
            return 0
        slots = asyncio.Semaphore(self._concurrency)

        async def one(row: Claimed) -> None:
            async with slots:
                await self._deliver(row)

        await asyncio.gather(*(one(row) for row in claimed))
        return len(claimed)

    def _claim(self, limit: int) -> list[Claimed]:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            claimed = rows.claim_due(session, now=now, owner=self._owner, limit=limit)
            return [_snapshot(row) for row in claimed]

    async def _deliver(self, row: Claimed) -> None:
        if _is_campaign_copy(row) and await anyio.to_thread.run_sync(
            self._outside_free_window, row
        ):
            return
        await self._limiter.acquire()
        failpoints.hit("outbox.before_send")
        try:
            result = await self._send_with_token(row)
        except ZaloError as exc:
            if exc.http_status >= 500 and row.recipient_kind == "user":
                # A server error may come after Zalo accepted the message: check, don't resend.
                await anyio.to_thread.run_sync(
                    self._mark, "uncertain", row.id, exc.code, f"HTTP {exc.http_status}"
                )
                return
            await self._record_error(row, exc.code, exc.message, exc.action)
            return
        except ZaloUnreachable as exc:
            await self._record_error(row, None, f"Zalo unreachable: {exc}", Action.RETRY)
            return
        except TokenUnavailable as exc:
            await self._record_error(row, None, str(exc), Action.RETRY)
            return
        except ZaloOutcomeUnknown as exc:
            log.warning("outbox %s: outcome unknown (%s); will reconcile", row.id, exc)
            await anyio.to_thread.run_sync(self._mark, "uncertain", row.id, None, str(exc))
            return
        failpoints.hit("outbox.after_send")
        quota = _quota_of(result.quota)
        if quota == self._last_quota:
            quota = None
        await anyio.to_thread.run_sync(self._mark_sent, row.id, result.message_id, quota)
        self._metrics.messages_sent.labels(kind=row.kind).inc()

    async def _send_with_token(self, row: Claimed) -> SendResult:
        token = await self._tokens.access_token()
        try:
            return await self._call(row, token)
        except ZaloError as exc:
            if exc.action is not Action.REFRESH:
                raise
            token = await self._tokens.rejected(token)
            self._metrics.token_refreshes.inc()
            return await self._call(row, token)

    async def _call(self, row: Claimed, token: str) -> SendResult:
        if row.recipient_kind == "group":
            return await self._client.send_group(token, row.recipient, dict(row.message))
        return await self._client.send_cs(token, row.recipient, dict(row.message))

    async def _record_error(
        self, row: Claimed, code: int | None, message: str, action: Action
    ) -> None:
        self._metrics.send_failures.labels(code=str(code)).inc()
        text = reason(code, message)
        if action is Action.BILLING:
            await anyio.to_thread.run_sync(self._hold_for_billing, row, code, text)
            return
        if action in (Action.RETRY, Action.REFRESH) and row.attempts < self._max_attempts:
            delay = min(self._backoff_max, self._backoff_base * 2 ** (row.attempts - 1))
            delay *= 0.75 + random.random() / 2  # jitter, so retries do not arrive in lockstep
            at = self._clock.now() + timedelta(seconds=delay)
            await anyio.to_thread.run_sync(self._retry, row.id, at, code, text)
            return
        await anyio.to_thread.run_sync(self._mark, "failed", row.id, code, text)

    def _outside_free_window(self, row: Claimed) -> bool:
        """A campaign copy whose follower left the free window: skipped, never billed."""
        window = self._broadcast_window
        if window is None:
            return False
        now = self._clock.now()
        with session_scope(self._engine) as session:
            last = rows.last_interaction(session, zalo_user_id=row.recipient)
            if last is not None and now - last <= window:
                return False
            hours = window.total_seconds() / 3600
            rows.mark_skipped(
                session, row_id=row.id, message=FREE_WINDOW_OVER.format(hours=f"{hours:g}")
            )
        log.info("outbox %s: campaign copy skipped, the follower left the free window", row.id)
        return True

    def _mark_sent(self, row_id: int, message_id: str, quota: dict[str, str] | None) -> None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            rows.mark_sent(session, row_id=row_id, message_id=message_id, now=now)
            if quota is not None:
                rows.record_quota(session, oa_id=self._oa_id, quota=quota, now=now)
        if quota is not None:
            self._last_quota = quota
            log.info("Zalo quota for OA %s: %s", self._oa_id, quota)

    def _hold_for_billing(self, row: Claimed, code: int | None, text: str) -> None:
        """A billed send the OA's Zalo Cloud Account cannot pay: not the resident's failure.
        The row waits (or goes at once when the resident writes again) until Zalo's 7-day
        window is surely over; each refusal is counted for the officials."""
        now = self._clock.now()
        with session_scope(self._engine) as session:
            rows.record_billing(session, row_id=row.id, code=code, kind=row.kind, now=now)
            if now - row.created_at >= ZALO_WINDOW:
                rows.mark_failed(session, row_id=row.id, code=code, message=text)
                held = "failed: past Zalo's 7-day window"
            else:
                at = now + timedelta(seconds=self._billing_retry_s)
                rows.mark_retry(session, row_id=row.id, at=at, code=code, message=text)
                held = f"held until {at.isoformat(timespec='seconds')}"
        self._metrics.billing_refusals.inc()
        log.warning(
            "BILLING: Zalo refused outbox %s with %s (the OA's Zalo Cloud Account cannot pay "
            "for messages sent 48 h to 7 days after the resident's last interaction); %s",
            row.id,
            code,
            held,
        )

    def _retry(self, row_id: int, at: datetime, code: int | None, text: str) -> None:
        with session_scope(self._engine) as session:
            rows.mark_retry(session, row_id=row_id, at=at, code=code, message=text)

    def _mark(self, status: str, row_id: int, code: int | None, text: str) -> None:
        with session_scope(self._engine) as session:
            if status == "failed":
                rows.mark_failed(session, row_id=row_id, code=code, message=text)
            else:
                rows.mark_uncertain(session, row_id=row_id, message=text)

    # -- recovery and reconciliation ----------------------------------------------------

    async def recover(self) -> None:
        """Turn abandoned claims into `uncertain` rows, then reconcile uncertain rows."""
        await anyio.to_thread.run_sync(self._release_abandoned)
        for row in await anyio.to_thread.run_sync(self._uncertain_rows):
            await self._reconcile(row)

    def _release_abandoned(self) -> None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            rows.release_stale_claims(session, now=now, lease_s=self._lease_s)
            for owner in rows.claim_owners(session):
                if owner != self._owner and owner_is_dead(owner):
                    n = rows.mark_all_claims_of(session, owner=owner)
                    log.warning("%d outbox rows of dead sender %s marked uncertain", n, owner)

    def _uncertain_rows(self) -> list[Claimed]:
        with read_scope(self._engine) as session:
            return [_snapshot(r) for r in rows.uncertain(session, limit=50)]

    async def _reconcile(self, row: Claimed) -> None:
        """Decide an uncertain row: sent (Zalo shows it), or pending again (it never went out)."""
        if self._clock.now() - row.claimed_at < timedelta(seconds=self._echo_grace_s):
            return  # an echo may still arrive and settle it
        if row.recipient_kind == "group":
            return  # no history API for groups: an operator decides (admin API)
        try:
            token = await self._tokens.access_token()
            history = await self._client.conversation(token, row.recipient)
        except (ZaloError, ZaloUnreachable, ZaloOutcomeUnknown, TokenUnavailable) as exc:
            log.info("outbox %s: cannot reconcile yet (%s)", row.id, exc)
            return
        found = await anyio.to_thread.run_sync(self._match_history, row, history)
        log.warning(
            "outbox %s reconciled: %s", row.id, "already sent" if found else "not sent, resending"
        )

    def _match_history(self, row: Claimed, history: list[dict[str, object]]) -> bool:
        since_ms = int((row.claimed_at - timedelta(seconds=5)).timestamp() * 1000)
        with session_scope(self._engine) as session:
            current = rows.get(session, row_id=row.id)
            if current is None or current.status != "uncertain":
                return current is not None and current.status == "sent"
            for item in history:
                if str(item.get("src")) == "1":
                    continue  # written by the resident
                when = _as_int(item.get("time"))
                message_id = str(item.get("message_id") or "")
                if not message_id or when < since_ms:
                    continue
                if nfc(str(item.get("message") or ""))[:200] != row.fingerprint:
                    continue
                if rows.message_id_recorded(session, message_id=message_id):
                    continue  # that one is another row's message
                rows.mark_sent(session, row_id=row.id, message_id=message_id, now=self._clock.now())
                return True
            rows.mark_retry(
                session,
                row_id=row.id,
                at=self._clock.now(),
                code=None,
                message="not in the conversation history after an uncertain send",
            )
            return False


def _as_int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _snapshot(row: Outbox) -> Claimed:
    assert row.id is not None
    return Claimed(
        id=row.id,
        recipient_kind=row.recipient_kind,
        recipient=row.recipient,
        message=dict(row.message),
        fingerprint=row.fingerprint,
        attempts=row.attempts,
        kind=row.kind,
        claimed_at=row.claimed_at or row.created_at,
        created_at=row.created_at,
    )


def _is_campaign_copy(row: Claimed) -> bool:
    return row.kind == "broadcast" and row.recipient_kind == "user"


def _quota_of(quota: dict[str, object] | None) -> dict[str, str] | None:
    """Zalo's `quota` object as a few short strings (it holds counts and a type, nothing
    personal); None when the answer had none (a billed message carries none)."""
    if not quota:
        return None
    kept = {
        str(k)[:32]: str(v)[:64]
        for k, v in list(quota.items())[:8]
        if isinstance(v, str | int | float | bool)
    }
    return kept or None
