"""OAuth v4 callback: Zalo sends the OA admin here after the permission page."""

from __future__ import annotations

from datetime import timedelta

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.runtime import Runtime
from bot.zalo.errors import ZaloError, ZaloOutcomeUnknown, ZaloUnreachable
from db import tokens as token_rows
from db.session import session_scope

router = APIRouter(tags=["zalo"])

PENDING_MAX_AGE = timedelta(minutes=10)


@router.get("/zalo/oauth/callback", response_class=HTMLResponse)
async def oauth_callback(request: Request, code: str = "", state: str = "") -> HTMLResponse:
    """Finish `bot zalo connect`: trade the code for the OA's first token pair."""
    runtime: Runtime = request.app.state.runtime

    def pop() -> str | None:
        with session_scope(runtime.engine) as session:
            return token_rows.pop_pending_auth(
                session, state=state, max_age=PENDING_MAX_AGE, now=runtime.clock.now()
            )

    verifier = await anyio.to_thread.run_sync(pop) if code and state else None
    if verifier is None:
        return HTMLResponse(
            "<p>Liên kết không hợp lệ hoặc đã hết hạn (10 phút). Chạy lại "
            "<code>bot zalo connect</code>.</p>",
            status_code=400,
        )
    try:
        pair = await runtime.zalo.exchange_code(code, verifier)
    except (ZaloError, ZaloUnreachable, ZaloOutcomeUnknown) as exc:
        return HTMLResponse(f"<p>Zalo từ chối mã cấp quyền: {exc}</p>", status_code=502)
    await runtime.tokens.store_pair(pair)
    return HTMLResponse("<p>Đã kết nối OA thành công. Bạn có thể đóng trang này.</p>")
