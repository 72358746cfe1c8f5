"""The control API's residents: follow, tap "chat now", write to the OA (in private or in a
group), tap a button, submit the info form. Each delivers the webhook event Zalo would send
and answers with the delivery record."""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.sim.events import envelope, user_event
from bot.sim.http import HooksDep, StateDep, json_body
from bot.sim.state import Inbound, SimState, SimUser, new_id
from bot.zalo.events import GROUP_MEMBER_EVENTS, USER_MESSAGE_KINDS

# What a simulated resident may send: the kinds of user message the webhook takes.
INBOUND_KINDS = USER_MESSAGE_KINDS

router = APIRouter()


def _user_of(state: SimState, body: Any) -> SimUser | None:
    if not isinstance(body, dict) or str(body.get("user_id", "")) not in state.users:
        return None
    return state.users[str(body["user_id"])]


def _unknown_user() -> Response:
    return JSONResponse({"error": "unknown user_id"}, status_code=400)


@router.post("/follow")
@router.post("/unfollow")
async def follow(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    user = _user_of(state, await json_body(request))
    if user is None:
        return _unknown_user()
    following = request.url.path.endswith("/follow")
    user.follower = following
    name = "follow" if following else "unfollow"
    if following:
        state.interacted(user)
    event = envelope(state, name) | {
        "oa_id": state.config.oa_id,
        "user_id_by_app": user.user_id_by_app,
        "follower": {"id": user.user_id},
    }
    if following:
        event["source"] = "oa_profile"
    return JSONResponse({"delivery": await hooks.deliver(event)})


@router.post("/chatnow")
async def chatnow(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    user = _user_of(state, await json_body(request))
    if user is None:
        return _unknown_user()
    state.interacted(user)
    event = envelope(state, "user_click_chatnow") | {
        "oa_id": state.config.oa_id,
        "user_id": user.user_id,
        "user_id_by_app": user.user_id_by_app,
    }
    return JSONResponse({"delivery": await hooks.deliver(event)})


@router.post("/withdraw")
async def withdraw(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    """The user asks Zalo to have their data deleted (`user_withdraw`, Law 91/2025/QH15)."""
    user = _user_of(state, await json_body(request))
    if user is None:
        return _unknown_user()
    event = envelope(state, "user_withdraw") | {
        "oa_id": state.config.oa_id,
        "user_id": user.user_id,
        "user_id_by_app": user.user_id_by_app,
    }
    return JSONResponse({"delivery": await hooks.deliver(event)})


def _inbound_message(body: dict[str, Any], kind: str, msg_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {"msg_id": msg_id}
    text = body.get("text")
    if text is not None:
        message["text"] = unicodedata.normalize("NFC", str(text))
    if kind != "text":
        message["attachments"] = [{"type": kind, "payload": body.get("payload") or {}}]
    if body.get("quote_msg_id"):
        message["quote_msg_id"] = body["quote_msg_id"]
    return message


@router.post("/inbound")
async def inbound(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    body = await json_body(request)
    user = _user_of(state, body)
    if user is None:
        return _unknown_user()
    kind = str(body.get("kind", "text"))
    if kind not in INBOUND_KINDS:
        return JSONResponse({"error": f"kind must be one of {INBOUND_KINDS}"}, status_code=400)
    msg_id = new_id()
    message = _inbound_message(body, kind, msg_id)
    state.interacted(user)
    text = str(body.get("text") or "")
    state.inbound.append(Inbound(msg_id, user.user_id, kind, text, state.now_ms()))
    delivery = await hooks.deliver(user_event(state, user.user_id, kind, message))
    return JSONResponse({"msg_id": msg_id, "delivery": delivery})


@router.post("/click")
async def click(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    body = await json_body(request)
    user = _user_of(state, body)
    if user is None:
        return _unknown_user()
    sent = next((s for s in state.outbox if s.message_id == body.get("message_id")), None)
    if sent is None or sent.recipient != user.user_id:
        return JSONResponse({"error": "no such message for this user"}, status_code=400)
    payload = ((sent.body.get("message") or {}).get("attachment") or {}).get("payload") or {}
    buttons = payload.get("buttons") or []
    index = body.get("button_index")
    if not isinstance(index, int) or not 0 <= index < len(buttons):
        return JSONResponse({"error": "no such button"}, status_code=400)
    button = buttons[index]
    if str(button.get("type", "")).startswith("oa.open"):
        return JSONResponse({"opens": button.get("payload"), "delivery": None})
    state.interacted(user)
    msg_id = new_id()
    text = str(button.get("payload", ""))
    state.inbound.append(Inbound(msg_id, user.user_id, "text", text, state.now_ms()))
    event = user_event(state, user.user_id, "text", {"msg_id": msg_id, "text": text})
    delivery = await hooks.deliver(event)
    return JSONResponse({"msg_id": msg_id, "text": text, "delivery": delivery})


def _submitted_info(state: SimState, info: dict[str, Any]) -> dict[str, Any]:
    """The form as the event carries it: flat, or Zalo's newer `full_address` shape."""
    if not state.switches.get("full_address_form"):
        return info
    return {
        "name": info.get("name"),
        "phone": info.get("phone"),
        "full_address": {
            "user_city": info.get("city"),
            "user_ward": info.get("ward"),
            "user_address": info.get("address"),
        },
    }


@router.post("/submit_info")
async def submit_info(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    body = await json_body(request)
    user = _user_of(state, body)
    if user is None:
        return _unknown_user()
    info = dict(body.get("info") or {})
    user.shared_info = info
    state.interacted(user)
    event = envelope(state, "user_submit_info") | {
        "user_id_by_app": user.user_id_by_app,
        "sender": {"id": user.user_id},
        "recipient": {"id": state.config.oa_id},
    }
    event["info"] = _submitted_info(state, info)
    return JSONResponse({"delivery": await hooks.deliver(event)})


@router.post("/group_inbound")
async def group_inbound(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or str(body.get("group_id", "")) not in state.groups:
        return JSONResponse({"error": "unknown group_id"}, status_code=400)
    user = state.users.get(str(body.get("user_id", "")))
    if user is None:
        return _unknown_user()
    kind = str(body.get("kind", "text"))
    event = envelope(state, f"user_send_group_{kind}") | {
        "user_id_by_app": user.user_id_by_app,
        "sender": {"id": user.user_id},
        "recipient": {"id": body["group_id"]},
        "message": {"msg_id": new_id(), "text": str(body.get("text", ""))},
    }
    return JSONResponse({"delivery": await hooks.deliver(event)})


# Group lifecycle events the simulator emits (updates-2026.md §1.4; the older names too).
GROUP_EVENTS = tuple(GROUP_MEMBER_EVENTS)


@router.post("/group_event")
async def group_event(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    """{group_id, event, user_ids}: members join, are accepted or refused, or leave a group;
    the group's member list changes as Zalo's would, and the event goes to the bot."""
    body = await json_body(request)
    if not isinstance(body, dict) or str(body.get("group_id", "")) not in state.groups:
        return JSONResponse({"error": "unknown group_id"}, status_code=400)
    name = str(body.get("event", ""))
    if name not in GROUP_EVENTS:
        return JSONResponse({"error": f"event must be one of {GROUP_EVENTS}"}, status_code=400)
    user_ids = [str(u) for u in body.get("user_ids") or []]
    group = state.groups[str(body["group_id"])]
    change = GROUP_MEMBER_EVENTS[name]
    if change in ("joined", "accepted"):
        group.members.update(user_ids)
    elif change == "left":
        group.members.difference_update(user_ids)
    event = envelope(state, name) | {
        "oa_id": state.config.oa_id,
        "group_id": group.group_id,
        "users": [{"id": u} for u in user_ids],
    }
    return JSONResponse({"delivery": await hooks.deliver(event), "members": sorted(group.members)})
