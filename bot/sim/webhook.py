"""Delivers signed webhook events to the bot, like Zalo: 2 s timeout, retry ladder, disable.

The body is serialised once and those exact bytes are signed and sent. A delivery that
fails (non-200, timeout, or any other transport failure) is retried after 30 s, 5 min,
15 min, 30 min and 1 h (divided by `retry_speedup`) with a `num_retry` header; after the
last failure the webhook is disabled, as Zalo does. A bot killed mid-request can surface
from anyio as an `OSError` or even an `AttributeError`, not only as an `httpx.HTTPError`:
all of them are failed deliveries, never an error of the control API that caused them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import httpx

from bot.sim.state import SimState
from bot.zalo.signature import compute_mac

log = logging.getLogger(__name__)

RETRY_LADDER_S = (30, 300, 900, 1800, 3600)
TIMEOUT_S = 2.0


class WebhookDispatcher:
    def __init__(
        self, state: SimState, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.state = state
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lanes: dict[str, asyncio.Lock] = {}

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=TIMEOUT_S, transport=self._transport)
        return self._http

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _signature(self, raw: bytes, timestamp: str) -> str:
        cfg = self.state.config
        variant = self.state.switches.get("mac_variant", "app_id")
        first, secret = cfg.app_id, cfg.oa_secret_key
        if variant == "oa_id":
            first = cfg.oa_id
        elif variant == "app_secret":
            secret = cfg.app_secret
        mac = compute_mac(first, raw, timestamp, secret)
        return mac if variant == "no_prefix" else "mac=" + mac

    async def deliver(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send one event now; retries (if needed) continue in the background."""
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(body.get("timestamp", ""))
        result = await self._attempt(raw, timestamp, body, retry=0)
        if result["status"] != 200:
            self._schedule_retry(raw, timestamp, body, retry=1)
        if self.state.switches.get("duplicate_delivery"):
            await self._attempt(raw, timestamp, body, retry=0)
        return result

    def deliver_in_background(
        self, bodies: list[dict[str, Any]], *, lane: str, delay_s: float = 0.0
    ) -> None:
        """Deliver events after `delay_s`, one after another (in order unless `out_of_order`)."""
        ordered = list(reversed(bodies)) if self.state.switches.get("out_of_order") else bodies
        lock = self._lanes.setdefault(lane, asyncio.Lock())

        async def run() -> None:
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            async with lock:
                for body in ordered:
                    await self.deliver(body)

        self._spawn(run())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_retry(
        self, raw: bytes, timestamp: str, body: dict[str, Any], *, retry: int
    ) -> None:
        if retry > len(RETRY_LADDER_S):
            self.state.webhook_disabled = True
            log.warning("sim: webhook disabled after %d failed retries", retry - 1)
            return
        delay = RETRY_LADDER_S[retry - 1] / max(self.state.config.retry_speedup, 1e-6)

        async def later() -> None:
            await asyncio.sleep(delay)
            result = await self._attempt(raw, timestamp, body, retry=retry)
            if result["status"] != 200:
                self._schedule_retry(raw, timestamp, body, retry=retry + 1)

        self._spawn(later())

    async def _attempt(
        self, raw: bytes, timestamp: str, body: dict[str, Any], *, retry: int
    ) -> dict[str, Any]:
        url = self.state.config.webhook_url
        signature = self._signature(raw, timestamp)
        entry: dict[str, Any] = {
            "event_name": body.get("event_name"),
            "timestamp": timestamp,
            "retry": retry,
            "signature": signature,
            "at_ms": self.state.now_ms(),
        }
        if url is None or self.state.webhook_disabled:
            entry.update(status=None, latency_ms=0.0, skipped="disabled" if url else "no url")
            self.state.webhook_log.append(entry)
            return entry
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": signature}
        if retry:
            headers["num_retry"] = str(retry)
        started = time.perf_counter()
        try:
            response = await self.http.post(url, content=raw, headers=headers)
            status: int | None = response.status_code
        except Exception as exc:  # noqa: BLE001 (any transport failure: a failed delivery)
            status = None
            entry["error"] = type(exc).__name__
        entry.update(status=status, latency_ms=round((time.perf_counter() - started) * 1000, 2))
        self.state.webhook_log.append(entry)
        return entry
