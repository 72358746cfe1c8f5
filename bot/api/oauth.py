"""OAuth v4 callback: Zalo sends the OA admin here after the permission page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.api.deps import DatabaseDep, RuntimeDep
from bot.zalo.errors import ZaloError, ZaloOutcomeUnknown, ZaloUnreachable
from db import tokens as token_rows

router = APIRouter(tags=["zalo"])

PENDING_MAX_AGE = timedelta(minutes=10)


@router.get("/zalo/oauth/callback", response_class=HTMLResponse)
async def oauth_callback(
    runtime: RuntimeDep, db: DatabaseDep, code: str = "", state: str = ""
) -> HTMLResponse:
    """Finish `bot zalo connect`: trade the code for the OA's first token pair."""

    def pop(session: Session) -> str | None:
        return token_rows.pop_pending_auth(
            session, state=state, max_age=PENDING_MAX_AGE, now=runtime.clock.now()
        )

    verifier = await db.write(pop) if code and state else None
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
