"""What every simulator router shares: Zalo's response envelope, lenient request parsing, and
the dependencies that hand a route the simulator's state and webhook dispatcher.

The state lives on `app.state` (set by `create_sim_app`); routes declare what they need with
`StateDep` / `HooksDep` / `ConfigDep` instead of closing over it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from bot.sim.state import SimConfig, SimState
from bot.sim.webhook import WebhookDispatcher

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def sim_state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def sim_hooks(request: Request) -> WebhookDispatcher:
    hooks: WebhookDispatcher = request.app.state.sim_hooks
    return hooks


def sim_config(request: Request) -> SimConfig:
    return sim_state(request).config


StateDep = Annotated[SimState, Depends(sim_state)]
HooksDep = Annotated[WebhookDispatcher, Depends(sim_hooks)]
ConfigDep = Annotated[SimConfig, Depends(sim_config)]


def error(code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra})


def ok(data: Any = None) -> JSONResponse:
    return JSONResponse({"error": 0, "message": "Success", "data": data})


def with_headers(response: Response, headers: dict[str, str]) -> Response:
    response.headers.update(headers)
    return response


def data_param(request: Request) -> dict[str, Any]:
    """The OpenAPI's GET parameters: a JSON object in `data`, else the plain query string."""
    raw = request.query_params.get("data")
    if not raw:
        return dict(request.query_params)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


async def json_body(request: Request) -> Any:
    """The JSON body, or None when it is not JSON."""
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def vn_hour(now_ms: int) -> int:
    return vn_time(now_ms).hour


def vn_time(now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(VN)
