"""`create_sim_app(config)`: a fake Zalo OA platform for the demo and the tests.

Three faces: OAuth v4 (`/v4/oa/*`), the OpenAPI (`/v2.0/*`, `/v3.0/*`) with Zalo's checks
and error codes, and a control API (`{prefix}/…`) that plays the residents: create users,
follow, send messages, tap buttons, move the clock, inject faults, read what the OA sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from bot.sim.state import DAY_MS, Fault, Inbound, Sent, SimConfig, SimGroup, SimState, new_id
from bot.sim.validation import (
    cs_message_problem,
    echo_kind,
    group_message_problem,
    history_text,
)
from bot.sim.webhook import WebhookDispatcher

__all__ = ["SimConfig", "SimState", "create_sim_app"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CODE_TTL_MS = 10 * 60 * 1000


def _error(code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra})


def _ok(data: Any = None) -> JSONResponse:
    return JSONResponse({"error": 0, "message": "Success", "data": data})


def create_sim_app(config: SimConfig, *, control_prefix: str = "/_sim") -> FastAPI:
    state = SimState(config)
    hooks = WebhookDispatcher(state)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await hooks.aclose()

    app = FastAPI(title="Zalo OA simulator", lifespan=lifespan)
    app.state.sim = state
    app.state.sim_hooks = hooks

    # -- shared helpers ----------------------------------------------------------------------

    def envelope(name: str) -> dict[str, Any]:
        return {"app_id": config.app_id, "event_name": name, "timestamp": str(state.now_ms())}

    def user_event(user_id: str, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        user = state.users[user_id]
        return envelope(f"user_send_{kind}") | {
            "user_id_by_app": user.user_id_by_app,
            "sender": {"id": user_id},
            "recipient": {"id": config.oa_id},
            "message": message,
        }

    async def fault_response(route: str, *, after_accept: bool) -> Response | None:
        for fault in list(state.faults):
            if fault.route != route or fault.count <= 0:
                continue
            if fault.after_accept != after_accept:
                continue
            state.take_fault(route)
            if fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
            if fault.http_status:
                return Response(status_code=fault.http_status)
            if fault.error_code is not None:
                return _error(fault.error_code, "injected fault")
            return None
        return None

    def check_auth(request: Request) -> Response | None:
        token = request.headers.get("access_token")
        if not token:
            return _error(-216, "Access token is invalid")
        expires = state.access_tokens.get(token)
        if expires is None:
            return _error(-216, "Access token is invalid")
        if expires <= state.now_ms():
            if state.switches.get("http401_on_expired"):
                return Response(status_code=401)
            if state.switches.get("expired_code") == -220:
                return _error(-220, "access_token is expired or removed")
            return _error(-216, "Access token is invalid")
        if state.switches.get("require_appsecret_proof"):
            expected = hmac.new(config.app_secret.encode(), token.encode(), hashlib.sha256)
            if request.headers.get("appsecret_proof") != expected.hexdigest():
                return _error(-242, "Invalid appsecret_proof")
        return None

    def rate_limited() -> tuple[Response | None, dict[str, str]]:
        allowed, remain = state.take_rate_token()
        headers = {"X-RateLimit-Limit": str(state.rate_per_min), "X-RateLimit-Remain": str(remain)}
        if not allowed:
            return _error(-32, "Your application reached limit call api"), headers
        return None, headers

    async def guard(request: Request, route: str) -> tuple[Response | None, dict[str, str]]:
        """Auth, rate limit and injected faults, in Zalo's order."""
        problem = check_auth(request)
        if problem is not None:
            return problem, {}
        limited, headers = rate_limited()
        if limited is not None:
            return limited, headers
        injected = await fault_response(route, after_accept=False)
        return injected, headers

    def with_headers(response: Response, headers: dict[str, str]) -> Response:
        response.headers.update(headers)
        return response

    def data_param(request: Request) -> dict[str, Any]:
        raw = request.query_params.get("data")
        if not raw:
            return dict(request.query_params)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}

    async def json_body(request: Request) -> Any:
        try:
            return await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None

    def record_send(endpoint: str, recipient: str, kind: str, body: dict[str, Any]) -> Sent:
        sent = Sent(
            seq=state.next_seq(),
            message_id=new_id(),
            endpoint=endpoint,
            recipient=recipient,
            recipient_kind=kind,
            body=body,
            sent_at_ms=state.now_ms(),
        )
        state.outbox.append(sent)
        return sent

    def echo_and_receipts(sent: Sent, user_id: str, message: dict[str, Any]) -> None:
        user = state.users[user_id]
        events: list[dict[str, Any]] = []
        base = {
            "user_id_by_app": user.user_id_by_app,
            "sender": {"id": config.oa_id},
            "recipient": {"id": user_id},
        }
        if state.switches.get("echo", True):
            echo_message: dict[str, Any] = {"msg_id": sent.message_id}
            if "text" in message and "attachment" not in message:
                echo_message["text"] = message["text"]
            else:
                echo_message["attachments"] = [message.get("attachment")]
                if message.get("text"):
                    echo_message["text"] = message["text"]
            events.append(
                envelope(f"oa_send_{echo_kind(message)}") | base | {"message": echo_message}
            )
        if not state.switches.get("drop_receipts"):
            events.append(
                envelope("user_received_message") | base | {"message": {"msg_id": sent.message_id}}
            )
            events.append(
                envelope("user_seen_message") | base | {"message": {"msg_ids": [sent.message_id]}}
            )
        if events:
            hooks.deliver_in_background(events, lane=user_id, delay_s=config.echo_delay_ms / 1000)

    # -- OAuth v4 ----------------------------------------------------------------------------

    oauth = APIRouter()

    @oauth.get("/v4/oa/permission")
    async def permission(request: Request) -> Response:
        q = request.query_params
        if q.get("app_id") != config.app_id:
            return JSONResponse({"error": -14002, "error_name": "Invalid appId"})
        redirect = q.get("redirect_uri", "")
        if not redirect or (config.redirect_uri and redirect != config.redirect_uri):
            return JSONResponse({"error": -14003, "error_name": "Invalid redirect uri"})
        code = new_id() + new_id()
        state.auth_codes[code] = (q.get("code_challenge", ""), state.now_ms() + CODE_TTL_MS, False)
        query = urlencode({"code": code, "oa_id": config.oa_id, "state": q.get("state", "")})
        sep = "&" if "?" in redirect else "?"
        return RedirectResponse(f"{redirect}{sep}{query}", status_code=302)

    @oauth.post("/v4/oa/access_token")
    async def access_token(request: Request) -> Response:
        injected = await fault_response("/v4/oa/access_token", after_accept=False)
        if injected is not None:
            return injected
        if request.headers.get("secret_key") != config.app_secret:
            return JSONResponse({"error": -14014, "error_name": "Invalid secret key"})
        form = await request.form()
        if form.get("app_id") != config.app_id:
            return JSONResponse({"error": -14002, "error_name": "Invalid appId"})
        grant = form.get("grant_type")
        now = state.now_ms()
        if grant == "authorization_code":
            code = str(form.get("code", ""))
            stored = state.auth_codes.get(code)
            if stored is None or stored[2] or stored[1] < now:
                return JSONResponse({"error": -14019, "error_name": "Invalid authorization code"})
            challenge, expires, _used = stored
            state.auth_codes[code] = (challenge, expires, True)
            verifier = str(form.get("code_verifier", ""))
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
                return JSONResponse({"error": -14018, "error_name": "Invalid code verifier"})
            pair = state.issue_pair()
        elif grant == "refresh_token":
            token = str(form.get("refresh_token", ""))
            stored_refresh = state.refresh_tokens.get(token)
            if stored_refresh is not None and stored_refresh[1]:
                state.refresh_reuse_attempts += 1
            if stored_refresh is None or stored_refresh[1] or stored_refresh[0] < now:
                return JSONResponse(
                    {
                        "error": -14020,
                        "error_name": "Invalid refresh token",
                        "error_description": "refresh token already used or expired",
                    }
                )
            state.refresh_tokens[token] = (stored_refresh[0], True)
            state.refresh_count += 1
            pair = state.issue_pair()
        else:
            return JSONResponse({"error": -14001, "error_name": "Invalid grant_type"})
        after = await fault_response("/v4/oa/access_token", after_accept=True)
        return after if after is not None else JSONResponse(pair)

    # -- OpenAPI -----------------------------------------------------------------------------

    api = APIRouter()

    @api.post("/v3.0/oa/message/cs")
    async def message_cs(request: Request) -> Response:
        route = "/v3.0/oa/message/cs"
        problem, headers = await guard(request, route)
        if problem is not None:
            return with_headers(problem, headers)
        body = await json_body(request)
        if not isinstance(body, dict):
            return with_headers(_error(-201, "body is invalid!"), headers)
        user_id = str((body.get("recipient") or {}).get("user_id", ""))
        user = state.users.get(user_id)
        now = state.now_ms()
        if user is None:
            return with_headers(_error(-201, "user_id is invalid!"), headers)
        if user.blocked:
            return with_headers(_error(-244, "User has restricted this message type"), headers)
        if user.inactive:
            return with_headers(_error(-227, "User is banned or inactive > 45 days"), headers)
        if user.last_interaction_ms is None:
            return with_headers(_error(-232, "User has not interacted with the OA"), headers)
        if now - user.last_interaction_ms > 7 * DAY_MS:
            return with_headers(
                _error(-230, "User has not interacted with the OA in the past 7 days"), headers
            )
        message = body.get("message")
        invalid = cs_message_problem(message, state.uploads, now)
        if invalid is not None:
            return with_headers(_error(*invalid), headers)
        assert isinstance(message, dict)
        cap = state.switches.get("cs_free_cap")
        within_48h = now - user.last_interaction_ms <= 2 * DAY_MS
        if cap is not None and within_48h and user.cs_free_used >= int(cap):
            return with_headers(_error(-211, "Out of quota"), headers)
        if within_48h:
            user.cs_free_used += 1
        sent = record_send(route, user_id, "user", body)
        echo_and_receipts(sent, user_id, message)
        after = await fault_response(route, after_accept=True)
        if after is not None:
            return with_headers(after, headers)
        total = int(cap) if cap is not None else 0
        quota = {
            "quota_type": "reply" if within_48h else "sub_quota",
            "remain": str(max(total - user.cs_free_used, 0)) if cap is not None else "-1",
            "total": str(total) if cap is not None else "-1",
        }
        return with_headers(
            _ok({"message_id": sent.message_id, "user_id": user_id, "quota": quota}), headers
        )

    @api.post("/v3.0/oa/group/message")
    async def message_group(request: Request) -> Response:
        route = "/v3.0/oa/group/message"
        problem, headers = await guard(request, route)
        if problem is not None:
            return with_headers(problem, headers)
        if not config.oa_verified or config.oa_package.lower() not in ("advanced", "premium"):
            return with_headers(_error(-224, "The OA needs to upgrade OA Tier Package"), headers)
        body = await json_body(request)
        if not isinstance(body, dict):
            return with_headers(_error(-201, "body is invalid!"), headers)
        group_id = str((body.get("recipient") or {}).get("group_id", ""))
        group = state.groups.get(group_id)
        if group is None or not group.oa_member:
            return with_headers(_error(-403, "OA is not in group"), headers)
        if group.disabled:
            return with_headers(_error(-237, "The group is disabled"), headers)
        message = body.get("message")
        invalid = group_message_problem(message)
        if invalid is not None:
            return with_headers(_error(*invalid), headers)
        assert isinstance(message, dict)
        sent = record_send(route, group_id, "group", body)
        if state.switches.get("echo", True):
            event = envelope(f"oa_send_group_{echo_kind(message)}") | {
                "sender": {"id": config.oa_id},
                "recipient": {"id": group_id},
                "message": {"msg_id": sent.message_id, "text": message.get("text", "")},
            }
            hooks.deliver_in_background([event], lane=group_id, delay_s=config.echo_delay_ms / 1000)
        after = await fault_response(route, after_accept=True)
        if after is not None:
            return with_headers(after, headers)
        return with_headers(_ok({"message_id": sent.message_id}), headers)

    @api.post("/v2.0/oa/message")
    async def message_v2(request: Request) -> Response:
        problem, headers = await guard(request, "/v2.0/oa/message")
        if problem is not None:
            return with_headers(problem, headers)
        body = await json_body(request)
        if not isinstance(body, dict):
            return with_headers(_error(-201, "body is invalid!"), headers)
        recipient = body.get("recipient") or {}
        if "sender_action" in body:
            return with_headers(_ok({"message_id": new_id()}), headers)
        if isinstance(recipient, dict) and "target" in recipient:
            hour = _vn_hour(state.now_ms())
            if hour >= 22 or hour < 6:
                return with_headers(_error(-234, "cannot be sent at night (10PM-6AM)"), headers)
            elements = (
                ((body.get("message") or {}).get("attachment") or {}).get("payload") or {}
            ).get("elements") or [{}]
            if elements[0].get("media_type") != "article":
                return with_headers(_error(-233, "message type is invalid or not support"), headers)
            return with_headers(_ok({"message_id": new_id()}), headers)
        return with_headers(
            _error(-240, "MessageV2 API has been shut down, please switch to MessageV3"), headers
        )

    @api.post("/v3.0/oa/message/transaction")
    @api.post("/v3.0/oa/message/promotion")
    async def message_legacy(request: Request) -> Response:
        problem, headers = await guard(request, request.url.path)
        if problem is not None:
            return with_headers(problem, headers)
        if state.switches.get("transaction_api") != "accept":
            return with_headers(_error(-209, "Not supported this api"), headers)
        if request.url.path.endswith("promotion"):
            hour = _vn_hour(state.now_ms())
            if hour >= 22 or hour < 6:
                return with_headers(_error(-234, "cannot be sent at night (10PM-6AM)"), headers)
        return with_headers(_ok({"message_id": new_id()}), headers)

    @api.post("/v2.0/oa/upload/{kind}")
    async def upload(kind: str, request: Request) -> Response:
        problem, headers = await guard(request, f"/v2.0/oa/upload/{kind}")
        if problem is not None:
            return with_headers(problem, headers)
        form = await request.form()
        upload_file = form.get("file")
        if upload_file is None or isinstance(upload_file, str):
            return with_headers(_error(-201, "file is invalid!"), headers)
        content = await upload_file.read()
        name = (upload_file.filename or "").lower()
        limit = 5_000_000 if kind == "file" else 1_000_000
        allowed = {
            "image": (".jpg", ".jpeg", ".png"),
            "gif": (".gif",),
            "file": (".pdf", ".doc", ".docx"),
        }.get(kind)
        if allowed is None:
            return with_headers(_error(-201, "upload type is invalid!"), headers)
        if len(content) > limit or not name.endswith(allowed):
            return with_headers(_error(-210, "Parameter exceeds allowable limit"), headers)
        token = new_id()
        state.uploads[token] = (kind, state.now_ms() + 7 * DAY_MS)
        key = "token" if kind == "file" else "attachment_id"
        return with_headers(_ok({key: token}), headers)

    @api.get("/v3.0/oa/user/detail")
    async def user_detail(request: Request) -> Response:
        problem, headers = await guard(request, "/v3.0/oa/user/detail")
        if problem is not None:
            return with_headers(problem, headers)
        user = state.users.get(str(data_param(request).get("user_id", "")))
        if user is None:
            return with_headers(_error(-201, "user_id is invalid!"), headers)
        last = user.last_interaction_ms
        last_date = ""
        if last is not None:
            last_date = datetime.fromtimestamp(last / 1000, UTC).astimezone(VN).strftime("%d/%m/%Y")
        return with_headers(
            _ok(
                {
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
            ),
            headers,
        )

    @api.get("/v3.0/oa/user/getlist")
    async def user_list(request: Request) -> Response:
        problem, headers = await guard(request, "/v3.0/oa/user/getlist")
        if problem is not None:
            return with_headers(problem, headers)
        q = data_param(request)
        offset, count = int(q.get("offset", 0)), int(q.get("count", 5))
        if count > 50 or offset > 9951 or count < 1 or offset < 0:
            return with_headers(_error(-210, "Parameter exceeds allowable limit"), headers)
        users = list(state.users.values())
        if "is_follower" in q:
            users = [u for u in users if u.follower == bool(q["is_follower"])]
        if q.get("tag_name"):
            users = [u for u in users if q["tag_name"] in u.tags]
        page = users[offset : offset + count]
        return with_headers(
            _ok(
                {
                    "total": len(users),
                    "count": len(page),
                    "offset": offset,
                    "users": [{"user_id": u.user_id} for u in page],
                }
            ),
            headers,
        )

    @api.get("/v2.0/oa/getoa")
    async def get_oa(request: Request) -> Response:
        problem, headers = await guard(request, "/v2.0/oa/getoa")
        if problem is not None:
            return with_headers(problem, headers)
        return with_headers(
            _ok(
                {
                    "oa_id": config.oa_id,
                    "name": config.oa_name,
                    "is_verified": config.oa_verified,
                    "package_name": config.oa_package,
                    "num_follower": sum(u.follower for u in state.users.values()),
                }
            ),
            headers,
        )

    @api.post("/v3.0/oa/quota/message")
    async def quota(request: Request) -> Response:
        problem, headers = await guard(request, "/v3.0/oa/quota/message")
        if problem is not None:
            return with_headers(problem, headers)
        body = await json_body(request)
        if not isinstance(body, dict):
            return with_headers(_error(-201, "body is invalid!"), headers)
        if "quota_owner" in body:
            return with_headers(
                _ok(
                    [
                        {
                            "asset_id": "sim-asset",
                            "product_type": "cs",
                            "quota_type": "sub_quota",
                            "valid_through": "31/12/2026",
                            "total": 2000,
                            "remain": 2000,
                        }
                    ]
                ),
                headers,
            )
        user = state.users.get(str(body.get("user_id", "")))
        if user is None:
            return with_headers(_error(-201, "user_id is invalid!"), headers)
        cap = state.switches.get("cs_free_cap")
        return with_headers(
            _ok(
                {
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
            ),
            headers,
        )

    @api.post("/v2.0/oa/tag/{action}")
    async def tags(action: str, request: Request) -> Response:
        problem, headers = await guard(request, f"/v2.0/oa/tag/{action}")
        if problem is not None:
            return with_headers(problem, headers)
        body = await json_body(request) or {}
        tag = str(body.get("tag_name", ""))
        if not tag:
            return with_headers(_error(-201, "tag_name is invalid!"), headers)
        if action == "rmtag":
            state.tags.discard(tag)
            for u in state.users.values():
                u.tags.discard(tag)
            return with_headers(_ok(), headers)
        user = state.users.get(str(body.get("user_id", "")))
        if user is None:
            return with_headers(_error(-201, "user_id is invalid!"), headers)
        if action == "tagfollower":
            state.tags.add(tag)
            user.tags.add(tag)
            hooks.deliver_in_background(
                [
                    envelope("add_user_to_tag")
                    | {
                        "oa_id": config.oa_id,
                        "user_id_by_app": user.user_id_by_app,
                        "tag": {"name": tag, "user_ids": [user.user_id]},
                    }
                ],
                lane=user.user_id,
            )
        elif action == "rmfollowerfromtag":
            user.tags.discard(tag)
        else:
            return with_headers(_error(-201, "unknown tag action"), headers)
        return with_headers(_ok(), headers)

    @api.get("/v2.0/oa/tag/gettagsofoa")
    async def tags_of_oa(request: Request) -> Response:
        problem, headers = await guard(request, "/v2.0/oa/tag/gettagsofoa")
        if problem is not None:
            return with_headers(problem, headers)
        return with_headers(_ok(sorted(state.tags)), headers)

    @api.get("/v3.0/oa/group/getgroupsofoa")
    async def groups_of_oa(request: Request) -> Response:
        problem, headers = await guard(request, "/v3.0/oa/group/getgroupsofoa")
        if problem is not None:
            return with_headers(problem, headers)
        offset = int(request.query_params.get("offset", 0))
        count = int(request.query_params.get("count", 5))
        groups = [g for g in state.groups.values() if g.oa_member]
        page = groups[offset : offset + count]
        return with_headers(
            _ok(
                {
                    "total": len(groups),
                    "groups": [
                        {
                            "group_id": g.group_id,
                            "name": g.name,
                            "total_member": len(g.members),
                            "status": "disabled" if g.disabled else "enabled",
                        }
                        for g in page
                    ],
                }
            ),
            headers,
        )

    @api.get("/v2.0/oa/conversation")
    async def conversation(request: Request) -> Response:
        problem, headers = await guard(request, "/v2.0/oa/conversation")
        if problem is not None:
            return with_headers(problem, headers)
        q = data_param(request)
        user_id = str(q.get("user_id", ""))
        if user_id not in state.users:
            return with_headers(_error(-201, "user_id is invalid!"), headers)
        offset, count = int(q.get("offset", 0)), min(int(q.get("count", 10)), 10)
        return with_headers(_ok(_history(user_id)[offset : offset + count]), headers)

    @api.get("/v2.0/oa/listrecentchat")
    async def recent_chat(request: Request) -> Response:
        problem, headers = await guard(request, "/v2.0/oa/listrecentchat")
        if problem is not None:
            return with_headers(problem, headers)
        q = data_param(request)
        offset, count = int(q.get("offset", 0)), min(int(q.get("count", 10)), 10)
        latest: dict[str, dict[str, Any]] = {}
        for item in _history(None):
            key = str(item["to_id"] if item["src"] == 0 else item["from_id"])
            latest.setdefault(key, item)
        return with_headers(_ok(list(latest.values())[offset : offset + count]), headers)

    def _history(user_id: str | None) -> list[dict[str, Any]]:
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
                    "from_id": config.oa_id,
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
                    "to_id": config.oa_id,
                }
            )
        items.sort(key=lambda m: m["time"], reverse=True)
        return items

    # -- control API -------------------------------------------------------------------------

    control = APIRouter()

    @control.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "users": len(state.users),
            "sent": len(state.outbox),
            "webhook_disabled": state.webhook_disabled,
        }

    @control.get("/config")
    async def get_config() -> dict[str, Any]:
        return {
            "switches": state.switches,
            "webhook_url": config.webhook_url,
            "retry_speedup": config.retry_speedup,
        }

    @control.post("/config")
    async def set_config(request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            return JSONResponse({"error": "a JSON object of switches"}, status_code=400)
        unknown = sorted(set(body) - set(state.switches) - {"webhook_url", "retry_speedup"})
        if unknown:
            return JSONResponse({"error": f"unknown switches: {unknown}"}, status_code=400)
        for key, value in body.items():
            if key == "webhook_url":
                config.webhook_url = value
                state.webhook_disabled = False
            elif key == "retry_speedup":
                config.retry_speedup = float(value)
            else:
                state.switches[key] = value
        if "rate_limit_per_min" in body:
            state.bucket_tokens = None
        return JSONResponse({"switches": state.switches})

    @control.post("/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        return {"status": "reset"}

    @control.post("/clock")
    async def clock(request: Request) -> dict[str, int]:
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

    @control.post("/users")
    async def create_user(request: Request) -> Response:
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

    @control.get("/users")
    async def list_users() -> list[dict[str, Any]]:
        return [u.public() for u in state.users.values()]

    def _user_or_400(body: Any) -> Any:
        if not isinstance(body, dict) or str(body.get("user_id", "")) not in state.users:
            return None
        return state.users[str(body["user_id"])]

    @control.post("/follow")
    @control.post("/unfollow")
    async def follow(request: Request) -> Response:
        user = _user_or_400(await json_body(request))
        if user is None:
            return JSONResponse({"error": "unknown user_id"}, status_code=400)
        following = request.url.path.endswith("/follow")
        user.follower = following
        name = "follow" if following else "unfollow"
        if following:
            state.interacted(user)
        event = envelope(name) | {
            "oa_id": config.oa_id,
            "user_id_by_app": user.user_id_by_app,
            "follower": {"id": user.user_id},
        }
        if following:
            event["source"] = "oa_profile"
        return JSONResponse({"delivery": await hooks.deliver(event)})

    @control.post("/chatnow")
    async def chatnow(request: Request) -> Response:
        user = _user_or_400(await json_body(request))
        if user is None:
            return JSONResponse({"error": "unknown user_id"}, status_code=400)
        state.interacted(user)
        event = envelope("user_click_chatnow") | {
            "oa_id": config.oa_id,
            "user_id": user.user_id,
            "user_id_by_app": user.user_id_by_app,
        }
        return JSONResponse({"delivery": await hooks.deliver(event)})

    @control.post("/inbound")
    async def inbound(request: Request) -> Response:
        body = await json_body(request)
        user = _user_or_400(body)
        if user is None:
            return JSONResponse({"error": "unknown user_id"}, status_code=400)
        kind = str(body.get("kind", "text"))
        kinds = (
            "text",
            "image",
            "gif",
            "link",
            "audio",
            "video",
            "sticker",
            "location",
            "business_card",
            "file",
        )
        if kind not in kinds:
            return JSONResponse({"error": f"kind must be one of {kinds}"}, status_code=400)
        msg_id = new_id()
        message: dict[str, Any] = {"msg_id": msg_id}
        text = body.get("text")
        if text is not None:
            message["text"] = unicodedata.normalize("NFC", str(text))
        if kind != "text":
            message["attachments"] = [{"type": kind, "payload": body.get("payload") or {}}]
        if body.get("quote_msg_id"):
            message["quote_msg_id"] = body["quote_msg_id"]
        state.interacted(user)
        state.inbound.append(Inbound(msg_id, user.user_id, kind, str(text or ""), state.now_ms()))
        delivery = await hooks.deliver(user_event(user.user_id, kind, message))
        return JSONResponse({"msg_id": msg_id, "delivery": delivery})

    @control.post("/click")
    async def click(request: Request) -> Response:
        body = await json_body(request)
        user = _user_or_400(body)
        if user is None:
            return JSONResponse({"error": "unknown user_id"}, status_code=400)
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
        delivery = await hooks.deliver(
            user_event(user.user_id, "text", {"msg_id": msg_id, "text": text})
        )
        return JSONResponse({"msg_id": msg_id, "text": text, "delivery": delivery})

    @control.post("/submit_info")
    async def submit_info(request: Request) -> Response:
        body = await json_body(request)
        user = _user_or_400(body)
        if user is None:
            return JSONResponse({"error": "unknown user_id"}, status_code=400)
        info = dict(body.get("info") or {})
        user.shared_info = info
        state.interacted(user)
        event = envelope("user_submit_info") | {
            "user_id_by_app": user.user_id_by_app,
            "sender": {"id": user.user_id},
            "recipient": {"id": config.oa_id},
        }
        if state.switches.get("full_address_form"):
            event["info"] = {
                "name": info.get("name"),
                "phone": info.get("phone"),
                "full_address": {
                    "user_city": info.get("city"),
                    "user_ward": info.get("ward"),
                    "user_address": info.get("address"),
                },
            }
        else:
            event["info"] = info
        return JSONResponse({"delivery": await hooks.deliver(event)})

    @control.post("/groups")
    async def create_group(request: Request) -> Response:
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

    @control.get("/groups")
    async def list_groups() -> list[dict[str, Any]]:
        return [g.public() for g in state.groups.values()]

    @control.post("/group_inbound")
    async def group_inbound(request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict) or str(body.get("group_id", "")) not in state.groups:
            return JSONResponse({"error": "unknown group_id"}, status_code=400)
        user = state.users.get(str(body.get("user_id", "")))
        if user is None:
            return JSONResponse({"error": "unknown user_id"}, status_code=400)
        kind = str(body.get("kind", "text"))
        event = envelope(f"user_send_group_{kind}") | {
            "user_id_by_app": user.user_id_by_app,
            "sender": {"id": user.user_id},
            "recipient": {"id": body["group_id"]},
            "message": {"msg_id": new_id(), "text": str(body.get("text", ""))},
        }
        return JSONResponse({"delivery": await hooks.deliver(event)})

    @control.post("/faults")
    async def faults(request: Request) -> Response:
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

    @control.get("/outbox")
    async def outbox(request: Request) -> dict[str, Any]:
        q = request.query_params
        after = int(q.get("after_id", 0))
        items = [s for s in state.outbox if s.seq > after]
        if q.get("user_id"):
            items = [s for s in items if s.recipient_kind == "user" and s.recipient == q["user_id"]]
        if q.get("group_id"):
            items = [
                s for s in items if s.recipient_kind == "group" and s.recipient == q["group_id"]
            ]
        return {"items": [s.public() for s in items]}

    @control.get("/webhook_log")
    async def webhook_log() -> dict[str, Any]:
        return {"items": list(state.webhook_log), "disabled": state.webhook_disabled}

    @control.post("/tokens")
    async def tokens() -> dict[str, str]:
        return state.issue_pair()

    @control.get("/tokens/stats")
    async def token_stats() -> dict[str, int]:
        return {
            "refreshes": state.refresh_count,
            "refresh_reuse_attempts": state.refresh_reuse_attempts,
            "access_tokens": len(state.access_tokens),
        }

    app.include_router(oauth)
    app.include_router(api)
    app.include_router(control, prefix=control_prefix)
    return app


def _vn_hour(now_ms: int) -> int:
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(VN).hour
