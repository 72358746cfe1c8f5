"""The OpenAPI's message sends to users: `/v3.0/oa/message/cs` with Zalo's interaction window
and quota, the shut-down v2 API, the transaction/promotion APIs, uploads and the quota query."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from bot.sim.events import echo_and_receipts, record_send
from bot.sim.guard import fault_response, guard
from bot.sim.http import HooksDep, StateDep, error, json_body, ok, vn_hour, with_headers
from bot.sim.state import DAY_MS, SimState, SimUser, new_id
from bot.sim.validation import cs_message_problem

CS_ROUTE = "/v3.0/oa/message/cs"

router = APIRouter()


def _recipient_problem(user: SimUser | None, now: int) -> Response | None:
    """Why Zalo refuses a customer-service message to this user, if it does."""
    if user is None:
        return error(-201, "user_id is invalid!")
    if user.blocked:
        return error(-244, "User has restricted this message type")
    if user.inactive:
        return error(-227, "User is banned or inactive > 45 days")
    if user.last_interaction_ms is None:
        return error(-232, "User has not interacted with the OA")
    if now - user.last_interaction_ms > 7 * DAY_MS:
        return error(-230, "User has not interacted with the OA in the past 7 days")
    return None


def _quota(cap: Any, within_48h: bool, user: SimUser) -> dict[str, str] | None:
    """The `quota` of a CS send's answer (updates-2026.md §1.2): `reply` within the free
    48 hours, with `remain`/`total` only under the old count cap (Zalo dropped them after
    2026-03-01); a billed message (48 h to 7 days) carries none."""
    if not within_48h:
        return None
    if cap is None:
        return {"quota_type": "reply"}
    total = int(cap)
    return {
        "quota_type": "reply",
        "remain": str(max(total - user.cs_free_used, 0)),
        "total": str(total),
    }


def _billing_problem(state: SimState, within_48h: bool) -> Response | None:
    """A billed send (48 h to 7 days) when the `zca_billing` switch says the OA's Zalo Cloud
    Account is not linked (-320) or not funded (-321)."""
    code = state.switches.get("zca_billing")
    if within_48h or code is None:
        return None
    return error(int(code), "The OA's Zalo Cloud Account cannot pay for this message")


@router.post(CS_ROUTE)
async def message_cs(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    problem, headers = await guard(request, state, CS_ROUTE)
    if problem is not None:
        return with_headers(problem, headers)
    body = await json_body(request)
    if not isinstance(body, dict):
        return with_headers(error(-201, "body is invalid!"), headers)
    user_id = str((body.get("recipient") or {}).get("user_id", ""))
    user, now = state.users.get(user_id), state.now_ms()
    refused = _recipient_problem(user, now)
    if refused is not None:
        return with_headers(refused, headers)
    assert user is not None and user.last_interaction_ms is not None
    message = body.get("message")
    invalid = cs_message_problem(message, state.uploads, now)
    if invalid is not None:
        return with_headers(error(*invalid), headers)
    assert isinstance(message, dict)
    cap = state.switches.get("cs_free_cap")
    within_48h = now - user.last_interaction_ms <= 2 * DAY_MS
    if cap is not None and within_48h and user.cs_free_used >= int(cap):
        return with_headers(error(-211, "Out of quota"), headers)
    unpaid = _billing_problem(state, within_48h)
    if unpaid is not None:
        return with_headers(unpaid, headers)
    if within_48h:
        user.cs_free_used += 1
    sent = record_send(state, CS_ROUTE, user_id, "user", body)
    echo_and_receipts(state, hooks, sent, user_id, message)
    after = await fault_response(state, CS_ROUTE, after_accept=True)
    if after is not None:
        return with_headers(after, headers)
    data: dict[str, Any] = {"message_id": sent.message_id, "user_id": user_id}
    quota = _quota(cap, within_48h, user)
    if quota is not None:
        data["quota"] = quota
    return with_headers(ok(data), headers)


def _night_problem(state: SimState) -> Response | None:
    """Broadcasts and promotions are refused between 22:00 and 06:00, Vietnam time."""
    hour = vn_hour(state.now_ms())
    if hour >= 22 or hour < 6:
        return error(-234, "cannot be sent at night (10PM-6AM)")
    return None


@router.post("/v2.0/oa/message")
async def message_v2(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v2.0/oa/message")
    if problem is not None:
        return with_headers(problem, headers)
    body = await json_body(request)
    if not isinstance(body, dict):
        return with_headers(error(-201, "body is invalid!"), headers)
    recipient = body.get("recipient") or {}
    if "sender_action" in body:
        return with_headers(ok({"message_id": new_id()}), headers)
    if isinstance(recipient, dict) and "target" in recipient:
        night = _night_problem(state)
        if night is not None:
            return with_headers(night, headers)
        elements = (((body.get("message") or {}).get("attachment") or {}).get("payload") or {}).get(
            "elements"
        ) or [{}]
        if elements[0].get("media_type") != "article":
            return with_headers(error(-233, "message type is invalid or not support"), headers)
        return with_headers(ok({"message_id": new_id()}), headers)
    return with_headers(
        error(-240, "MessageV2 API has been shut down, please switch to MessageV3"), headers
    )


@router.post("/v3.0/oa/message/transaction")
@router.post("/v3.0/oa/message/promotion")
async def message_legacy(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, request.url.path)
    if problem is not None:
        return with_headers(problem, headers)
    if state.switches.get("transaction_api") != "accept":
        return with_headers(error(-209, "Not supported this api"), headers)
    if request.url.path.endswith("promotion"):
        night = _night_problem(state)
        if night is not None:
            return with_headers(night, headers)
    return with_headers(ok({"message_id": new_id()}), headers)


UPLOAD_TYPES = {
    "image": (".jpg", ".jpeg", ".png"),
    "gif": (".gif",),
    "file": (".pdf", ".doc", ".docx"),
}


@router.post("/v2.0/oa/upload/{kind}")
async def upload(kind: str, request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, f"/v2.0/oa/upload/{kind}")
    if problem is not None:
        return with_headers(problem, headers)
    form = await request.form()
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str):
        return with_headers(error(-201, "file is invalid!"), headers)
    content = await upload_file.read()
    name = (upload_file.filename or "").lower()
    limit = 5_000_000 if kind == "file" else 1_000_000
    allowed = UPLOAD_TYPES.get(kind)
    if allowed is None:
        return with_headers(error(-201, "upload type is invalid!"), headers)
    if len(content) > limit or not name.endswith(allowed):
        return with_headers(error(-210, "Parameter exceeds allowable limit"), headers)
    token = new_id()
    state.uploads[token] = (kind, state.now_ms() + 7 * DAY_MS)
    key = "token" if kind == "file" else "attachment_id"
    return with_headers(ok({key: token}), headers)


OA_QUOTA = [
    {
        "asset_id": "sim-asset",
        "product_type": "cs",
        "quota_type": "sub_quota",
        "valid_through": "31/12/2026",
        "total": 2000,
        "remain": 2000,
    }
]


def _user_quota(state: SimState, user: SimUser) -> dict[str, Any]:
    cap = state.switches.get("cs_free_cap")
    return {
        "last_interaction": str(user.last_interaction_ms or 0),
        "cs_reply": {
            "remain": max(int(cap) - user.cs_free_used, 0) if cap else -1,
            "total": int(cap) if cap else -1,
        },
        "promotion": {
            "daily_remain": 1,
            "daily_total": 1,
            "monthly_remain": 4,
            "monthly_total": 4,
        },
    }


@router.post("/v3.0/oa/quota/message")
async def quota(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v3.0/oa/quota/message")
    if problem is not None:
        return with_headers(problem, headers)
    body = await json_body(request)
    if not isinstance(body, dict):
        return with_headers(error(-201, "body is invalid!"), headers)
    if "quota_owner" in body:
        return with_headers(ok([dict(item) for item in OA_QUOTA]), headers)
    user = state.users.get(str(body.get("user_id", "")))
    if user is None:
        return with_headers(error(-201, "user_id is invalid!"), headers)
    return with_headers(ok(_user_quota(state, user)), headers)
