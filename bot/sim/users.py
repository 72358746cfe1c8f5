"""The OpenAPI's view of people: user profiles and lists, the OA's own profile, tags, and the
conversation history (what the OA sent and what users wrote)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from bot.sim.events import envelope
from bot.sim.guard import guard
from bot.sim.http import (
    HooksDep,
    StateDep,
    data_param,
    error,
    json_body,
    ok,
    vn_time,
    with_headers,
)
from bot.sim.state import SimState, SimUser
from bot.sim.validation import echo_kind, history_text

router = APIRouter()


def _profile(user: SimUser) -> dict[str, Any]:
    last = user.last_interaction_ms
    last_date = "" if last is None else vn_time(last).strftime("%d/%m/%Y")
    return {
        "user_id": user.user_id,
        "user_id_by_app": user.user_id_by_app,
        "display_name": user.display_name,
        "avatar": user.avatar,
        "avatars": {"120": user.avatar, "240": user.avatar},
        "user_is_follower": user.follower,
        "user_last_interaction_date": last_date,
        "shared_info": user.shared_info,
        "tags_and_notes_info": {"tag_names": sorted(user.tags), "notes": []},
    }


@router.get("/v3.0/oa/user/detail")
async def user_detail(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v3.0/oa/user/detail")
    if problem is not None:
        return with_headers(problem, headers)
    user = state.users.get(str(data_param(request).get("user_id", "")))
    if user is None:
        return with_headers(error(-201, "user_id is invalid!"), headers)
    return with_headers(ok(_profile(user)), headers)


@router.get("/v3.0/oa/user/getlist")
async def user_list(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v3.0/oa/user/getlist")
    if problem is not None:
        return with_headers(problem, headers)
    q = data_param(request)
    offset, count = int(q.get("offset", 0)), int(q.get("count", 5))
    if count > 50 or offset > 9951 or count < 1 or offset < 0:
        return with_headers(error(-210, "Parameter exceeds allowable limit"), headers)
    users = list(state.users.values())
    if "is_follower" in q:
        users = [u for u in users if u.follower == bool(q["is_follower"])]
    if q.get("tag_name"):
        users = [u for u in users if q["tag_name"] in u.tags]
    page = users[offset : offset + count]
    data = {
        "total": len(users),
        "count": len(page),
        "offset": offset,
        "users": [{"user_id": u.user_id} for u in page],
    }
    return with_headers(ok(data), headers)


@router.get("/v2.0/oa/getoa")
async def get_oa(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v2.0/oa/getoa")
    if problem is not None:
        return with_headers(problem, headers)
    config = state.config
    data = {
        "oa_id": config.oa_id,
        "name": config.oa_name,
        "is_verified": config.oa_verified,
        "package_name": config.oa_package,
        "num_follower": sum(u.follower for u in state.users.values()),
    }
    return with_headers(ok(data), headers)


@router.post("/v2.0/oa/tag/{action}")
async def tags(action: str, request: Request, state: StateDep, hooks: HooksDep) -> Response:
    problem, headers = await guard(request, state, f"/v2.0/oa/tag/{action}")
    if problem is not None:
        return with_headers(problem, headers)
    body = await json_body(request) or {}
    tag = str(body.get("tag_name", ""))
    if not tag:
        return with_headers(error(-201, "tag_name is invalid!"), headers)
    if action == "rmtag":
        state.tags.discard(tag)
        for u in state.users.values():
            u.tags.discard(tag)
        return with_headers(ok(), headers)
    user = state.users.get(str(body.get("user_id", "")))
    if user is None:
        return with_headers(error(-201, "user_id is invalid!"), headers)
    if action == "tagfollower":
        state.tags.add(tag)
        user.tags.add(tag)
        event = envelope(state, "add_user_to_tag") | {
            "oa_id": state.config.oa_id,
            "user_id_by_app": user.user_id_by_app,
            "tag": {"name": tag, "user_ids": [user.user_id]},
        }
        hooks.deliver_in_background([event], lane=user.user_id)
    elif action == "rmfollowerfromtag":
        user.tags.discard(tag)
    else:
        return with_headers(error(-201, "unknown tag action"), headers)
    return with_headers(ok(), headers)


@router.get("/v2.0/oa/tag/gettagsofoa")
async def tags_of_oa(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v2.0/oa/tag/gettagsofoa")
    if problem is not None:
        return with_headers(problem, headers)
    return with_headers(ok(sorted(state.tags)), headers)


@router.get("/v2.0/oa/conversation")
async def conversation(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v2.0/oa/conversation")
    if problem is not None:
        return with_headers(problem, headers)
    q = data_param(request)
    user_id = str(q.get("user_id", ""))
    if user_id not in state.users:
        return with_headers(error(-201, "user_id is invalid!"), headers)
    offset, count = int(q.get("offset", 0)), min(int(q.get("count", 10)), 10)
    return with_headers(ok(history(state, user_id)[offset : offset + count]), headers)


@router.get("/v2.0/oa/listrecentchat")
async def recent_chat(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v2.0/oa/listrecentchat")
    if problem is not None:
        return with_headers(problem, headers)
    q = data_param(request)
    offset, count = int(q.get("offset", 0)), min(int(q.get("count", 10)), 10)
    latest: dict[str, dict[str, Any]] = {}
    for item in history(state, None):
        key = str(item["to_id"] if item["src"] == 0 else item["from_id"])
        latest.setdefault(key, item)
    return with_headers(ok(list(latest.values())[offset : offset + count]), headers)


def history(state: SimState, user_id: str | None) -> list[dict[str, Any]]:
    """The conversation, newest first: OA sends (`src` 0) and user messages (`src` 1), for one
    user or (None) for all."""
    oa_id = state.config.oa_id
    items: list[dict[str, Any]] = []
    for sent in state.outbox:
        if sent.recipient_kind != "user" or (user_id and sent.recipient != user_id):
            continue
        message = sent.body.get("message") or {}
        items.append(
            {
                "src": 0,
                "time": sent.sent_at_ms,
                "type": echo_kind(message),
                "message": history_text(message),
                "message_id": sent.message_id,
                "from_id": oa_id,
                "to_id": sent.recipient,
            }
        )
    for inbound in state.inbound:
        if user_id and inbound.user_id != user_id:
            continue
        items.append(
            {
                "src": 1,
                "time": inbound.at_ms,
                "type": inbound.kind,
                "message": inbound.text,
                "message_id": inbound.message_id,
                "from_id": inbound.user_id,
                "to_id": oa_id,
            }
        )
    items.sort(key=lambda m: m["time"], reverse=True)
    return items
