"""POST /webhook/zalo: verify, validate, store, acknowledge. Nothing else happens here.

The MAC is checked over the exact bytes received. The event is stored (with secrets
redacted) before the 200 is sent, so an acknowledged event is never lost; events arriving
together share one commit (`bot.inbound`). Processing runs after the answer (in this
process, or in `bot worker` processes when WEB_PROCESSES_EVENTS is off), so Zalo's 2-second
limit holds however slow replying is. A redelivery of an event already stored is
acknowledged and ignored.
"""

from __future__ import annotations

import json
import logging
import re
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from bot.api.deps import RuntimeDep
from bot.inbound import Incoming
from bot.text.normalize import without_surrogates
from bot.text.privacy import redact_payload
from bot.zalo.events import (
    EventError,
    GroupMessageEvent,
    UnknownEvent,
    parse_event,
)
from bot.zalo.signature import HEADER, verify

log = logging.getLogger(__name__)

router = APIRouter(tags=["zalo"])

# Events that need no processing: stored for the record only.
_IGNORED = (UnknownEvent, GroupMessageEvent)


def _problem(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b""  # the sender gave up; nothing to store, and no one to answer
    return b"".join(chunks)


# A JSON escape of a UTF-16 surrogate ("\\ud800"): the body may hold a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@router.post(
    "/webhook/zalo",
    responses={
        200: {"description": "Stored (or a redelivery, ignored)"},
        400: {"description": "Malformed body"},
        401: {"description": "Missing or wrong signature"},
        413: {"description": "Body over the size limit"},
        415: {"description": "Not JSON"},
        503: {"description": "Could not be stored; Zalo delivers it again"},
    },
)
async def receive_zalo_event(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Receive one Zalo OA event."""
    started = time.perf_counter()
    settings = runtime.settings
    metrics = runtime.metrics
    raw = await _read_limited(request, settings.webhook_max_body_bytes)
    if raw is None:
        metrics.webhook_rejected.labels(reason="too_large").inc()
        return _problem(413, f"body larger than {settings.webhook_max_body_bytes} bytes")
    header = request.headers.get(HEADER)
    if not header:
        metrics.webhook_rejected.labels(reason="no_signature").inc()
        return _problem(401, f"missing {HEADER} header")
    content_type = request.headers.get("content-type", "application/json").lower()
    if "json" not in content_type:
        metrics.webhook_rejected.labels(reason="content_type").inc()
        return _problem(415, "the body must be application/json")
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        metrics.webhook_rejected.labels(reason="bad_json").inc()
        return _problem(400, "the body is not valid JSON")
    if not isinstance(obj, dict):
        metrics.webhook_rejected.labels(reason="bad_json").inc()
        return _problem(400, "the body must be a JSON object")
    if _SURROGATE_ESCAPE.search(raw):
        # No database stores a lone surrogate: replaced, the message is processed normally.
        obj = without_surrogates(obj)
    timestamp = obj.get("timestamp")
    matched = verify(
        header, raw, str(timestamp) if timestamp is not None else "", runtime.mac_formulas
    )
    if matched is None:
        metrics.webhook_rejected.labels(reason="bad_signature").inc()
        return _problem(401, "signature does not match")
    if matched != "app_id":
        runtime.note_mac_variant(matched)
    try:
        event = parse_event(obj)
    except EventError as exc:
        metrics.webhook_rejected.labels(reason="bad_event").inc()
        return _problem(400, str(exc))
    payload, redacted = redact_payload(obj)
    status = "ignored" if isinstance(event, _IGNORED) else "pending"
    if isinstance(event, UnknownEvent):
        log.info("unknown Zalo event %r stored and acknowledged", event.event_name)
    try:
        stored = await runtime.inbound.store(
            Incoming(event=event, payload=payload, redacted=redacted, status=status)
        )
    except Exception:
        log.exception("could not store event %s", event.dedupe_key)
        metrics.webhook_rejected.labels(reason="store_failed").inc()
        # Not acknowledged, so Zalo delivers it again; nothing is lost.
        return _problem(503, "the event could not be stored; deliver it again")
    if stored.new_id is None:
        metrics.duplicates.inc()
    else:
        metrics.events_received.labels(event=event.event_name).inc()
        if stored.needs_processing and status == "pending":
            runtime.event_stored(event.subject_id)
    metrics.webhook_latency.observe(time.perf_counter() - started)
    return JSONResponse({"error": 0, "duplicate": stored.new_id is None})


baseline_router = APIRouter(include_in_schema=False)


@baseline_router.post("/webhook/baseline")
async def baseline(request: Request) -> JSONResponse:
    """Reads the body and answers 200: the benchmark's baseline for the webhook's cost."""
    await request.body()
    return JSONResponse({"error": 0})
