"""What Zalo checks before a call does anything: the access token (and appsecret_proof), the
per-app rate limit, and the faults a test injected for the route — in Zalo's order."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from fastapi import Request, Response

from bot.sim.http import error
from bot.sim.state import SimState


async def fault_response(state: SimState, route: str, *, after_accept: bool) -> Response | None:
    """Consume the first matching injected fault: wait its delay, then answer its error."""
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
            return error(fault.error_code, "injected fault")
        return None
    return None


def check_auth(request: Request, state: SimState) -> Response | None:
    token = request.headers.get("access_token")
    if not token:
        return error(-216, "Access token is invalid")
    expires = state.access_tokens.get(token)
    if expires is None:
        return error(-216, "Access token is invalid")
    if expires <= state.now_ms():
        if state.switches.get("http401_on_expired"):
            return Response(status_code=401)
        if state.switches.get("expired_code") == -220:
            return error(-220, "access_token is expired or removed")
        return error(-216, "Access token is invalid")
    if state.switches.get("require_appsecret_proof"):
        expected = hmac.new(state.config.app_secret.encode(), token.encode(), hashlib.sha256)
        if request.headers.get("appsecret_proof") != expected.hexdigest():
            return error(-242, "Invalid appsecret_proof")
    return None


def rate_limited(state: SimState) -> tuple[Response | None, dict[str, str]]:
    allowed, remain = state.take_rate_token()
    headers = {"X-RateLimit-Limit": str(state.rate_per_min), "X-RateLimit-Remain": str(remain)}
    if not allowed:
        return error(-32, "Your application reached limit call api"), headers
    return None, headers


async def guard(
    request: Request, state: SimState, route: str
) -> tuple[Response | None, dict[str, str]]:
    """Auth, rate limit and injected faults, in Zalo's order; (problem or None, headers)."""
    problem = check_auth(request, state)
    if problem is not None:
        return problem, {}
    limited, headers = rate_limited(state)
    if limited is not None:
        return limited, headers
    injected = await fault_response(state, route, after_accept=False)
    return injected, headers
