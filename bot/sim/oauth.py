"""OAuth v4 for an OA (`/v4/oa/*`): the permission page with PKCE, and the token endpoint for
authorization codes and one-time refresh tokens."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from bot.sim.guard import fault_response
from bot.sim.http import StateDep
from bot.sim.state import SimState, new_id

CODE_TTL_MS = 10 * 60 * 1000
TOKEN_ROUTE = "/v4/oa/access_token"

router = APIRouter()


@router.get("/v4/oa/permission")
async def permission(request: Request, state: StateDep) -> Response:
    config, q = state.config, request.query_params
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


@router.post(TOKEN_ROUTE)
async def access_token(request: Request, state: StateDep) -> Response:
    injected = await fault_response(state, TOKEN_ROUTE, after_accept=False)
    if injected is not None:
        return injected
    if request.headers.get("secret_key") != state.config.app_secret:
        return JSONResponse({"error": -14014, "error_name": "Invalid secret key"})
    form = await request.form()
    if form.get("app_id") != state.config.app_id:
        return JSONResponse({"error": -14002, "error_name": "Invalid appId"})
    grant = form.get("grant_type")
    if grant == "authorization_code":
        outcome = _exchange_code(state, str(form.get("code", "")), form.get("code_verifier", ""))
    elif grant == "refresh_token":
        outcome = _refresh(state, str(form.get("refresh_token", "")))
    else:
        outcome = {"error": -14001, "error_name": "Invalid grant_type"}
    if "error" in outcome:
        return JSONResponse(outcome)
    after = await fault_response(state, TOKEN_ROUTE, after_accept=True)
    return after if after is not None else JSONResponse(outcome)


def _exchange_code(state: SimState, code: str, verifier: Any) -> dict[str, Any]:
    """A fresh token pair for an unused, unexpired code whose PKCE verifier matches, else
    Zalo's error (the code is spent even when the verifier is wrong)."""
    stored = state.auth_codes.get(code)
    if stored is None or stored[2] or stored[1] < state.now_ms():
        return {"error": -14019, "error_name": "Invalid authorization code"}
    challenge, expires, _used = stored
    state.auth_codes[code] = (challenge, expires, True)
    digest = hashlib.sha256(str(verifier).encode()).digest()
    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
        return {"error": -14018, "error_name": "Invalid code verifier"}
    return dict(state.issue_pair())


def _refresh(state: SimState, token: str) -> dict[str, Any]:
    """A fresh pair for a refresh token used once; reuse is counted and refused."""
    stored = state.refresh_tokens.get(token)
    if stored is not None and stored[1]:
        state.refresh_reuse_attempts += 1
    if stored is None or stored[1] or stored[0] < state.now_ms():
        return {
            "error": -14020,
            "error_name": "Invalid refresh token",
            "error_description": "refresh token already used or expired",
        }
    state.refresh_tokens[token] = (stored[0], True)
    state.refresh_count += 1
    return dict(state.issue_pair())
