"""The control API (`{prefix}/…`, `/_sim` by default) that sets up the simulated world: switches,
the clock, users, groups, injected faults, tokens; and reads what the OA sent and what was
delivered. Playing the residents is in `bot.sim.residents`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.sim.http import StateDep, json_body
from bot.sim.state import Fault, SimGroup, new_id

router = APIRouter()


@router.get("/health")
async def health(state: StateDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "users": len(state.users),
        "sent": len(state.outbox),
        "webhook_disabled": state.webhook_disabled,
    }


@router.get("/config")
async def get_config(state: StateDep) -> dict[str, Any]:
    return {
        "switches": state.switches,
        "webhook_url": state.config.webhook_url,
        "retry_speedup": state.config.retry_speedup,
    }


@router.post("/config")
async def set_config(request: Request, state: StateDep) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return JSONResponse({"error": "a JSON object of switches"}, status_code=400)
    unknown = sorted(set(body) - set(state.switches) - {"webhook_url", "retry_speedup"})
    if unknown:
        return JSONResponse({"error": f"unknown switches: {unknown}"}, status_code=400)
    for key, value in body.items():
        if key == "webhook_url":
            state.config.webhook_url = value
            state.webhook_disabled = False
        elif key == "retry_speedup":
            state.config.retry_speedup = float(value)
        else:
            state.switches[key] = value
    if "rate_limit_per_min" in body:
        state.bucket_tokens = None
    return JSONResponse({"switches": state.switches})


@router.post("/reset")
async def reset(state: StateDep) -> dict[str, str]:
    state.reset()
    return {"status": "reset"}


@router.post("/clock")
async def clock(request: Request, state: StateDep) -> dict[str, int]:
    body = await json_body(request) or {}
    if body.get("real"):
        state.frozen_ms = None
        state.clock_offset_ms = 0
    if "set_ms" in body:
        state.frozen_ms = int(body["set_ms"])
    if "advance_ms" in body:
        if state.frozen_ms is not None:
            state.frozen_ms += int(body["advance_ms"])
        else:
            state.clock_offset_ms += int(body["advance_ms"])
    return {"now_ms": state.now_ms()}


@router.post("/users")
async def create_user(request: Request, state: StateDep) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or not body.get("display_name"):
        return JSONResponse({"error": "display_name is required"}, status_code=400)
    user = state.add_user(
        display_name=str(body["display_name"]),
        user_id=str(body["user_id"]) if body.get("user_id") else None,
        follower=bool(body.get("follower", False)),
        last_interaction_ms=body.get("last_interaction_ms"),
        blocked=bool(body.get("blocked", False)),
        inactive=bool(body.get("inactive", False)),
    )
    return JSONResponse(user.public())


@router.get("/users")
async def list_users(state: StateDep) -> list[dict[str, Any]]:
    return [u.public() for u in state.users.values()]


@router.post("/groups")
async def create_group(request: Request, state: StateDep) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or not body.get("name"):
        return JSONResponse({"error": "name is required"}, status_code=400)
    group = SimGroup(
        group_id=str(body.get("group_id") or new_id()),
        name=str(body["name"]),
        members=set(map(str, body.get("members", []))),
        oa_member=bool(body.get("oa_member", True)),
        disabled=bool(body.get("disabled", False)),
    )
    state.groups[group.group_id] = group
    return JSONResponse(group.public())


@router.get("/groups")
async def list_groups(state: StateDep) -> list[dict[str, Any]]:
    return [g.public() for g in state.groups.values()]


@router.post("/faults")
async def faults(request: Request, state: StateDep) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or not str(body.get("route", "")).startswith("/"):
        return JSONResponse({"error": "route (a path) is required"}, status_code=400)
    fault = Fault(
        route=str(body["route"]),
        error_code=body.get("error_code"),
        http_status=body.get("http_status"),
        delay_ms=int(body.get("delay_ms", 0)),
        count=int(body.get("count", 1)),
        after_accept=bool(body.get("after_accept", False)),
    )
    state.faults.append(fault)
    return JSONResponse({"faults": len(state.faults)})


@router.get("/outbox")
async def outbox(request: Request, state: StateDep) -> dict[str, Any]:
    q = request.query_params
    after = int(q.get("after_id", 0))
    items = [s for s in state.outbox if s.seq > after]
    if q.get("user_id"):
        items = [s for s in items if s.recipient_kind == "user" and s.recipient == q["user_id"]]
    if q.get("group_id"):
        items = [s for s in items if s.recipient_kind == "group" and s.recipient == q["group_id"]]
    return {"items": [s.public() for s in items]}


@router.get("/webhook_log")
async def webhook_log(state: StateDep) -> dict[str, Any]:
    return {"items": list(state.webhook_log), "disabled": state.webhook_disabled}


@router.post("/tokens")
async def tokens(state: StateDep) -> dict[str, str]:
    return state.issue_pair()


@router.get("/tokens/stats")
async def token_stats(state: StateDep) -> dict[str, int]:
    return {
        "refreshes": state.refresh_count,
        "refresh_reuse_attempts": state.refresh_reuse_attempts,
        "access_tokens": len(state.access_tokens),
    }
