"""Reaching a team member through the real app: signed webhooks in, outbox rows out.

The transcripts in tests/flows/test_handoff.py cover every branch; this checks that the
running app has the handoff interceptor wired in (demo mode seeds the demo team).
"""

from __future__ import annotations

import itertools

import httpx
from sqlmodel import col, select

from db.models import HandoffTicket, InboundEvent, Outbox
from db.session import read_scope
from tests.e2e.test_webhook import sign, text_body, wait_for
from tests.live import Live

RESIDENT = "2468458835296117922"
HUNG = "7000000000000000002"  # demo team member of Thôn Đông
_ids = itertools.count(1)


def say(live: Live, http: httpx.Client, user: str, text: str) -> None:
    n = next(_ids)
    ts = str(1731900000000 + n * 1000)
    body = text_body(user, f"{n:020x}", text, ts)
    assert http.post("/webhook/zalo", content=body, headers=sign(body, ts)).status_code == 200

    def handled() -> bool:
        with read_scope(live.runtime.engine) as s:
            pending = s.exec(
                select(InboundEvent).where(col(InboundEvent.status).in_(("pending",)))
            ).all()
            return not pending

    wait_for(handled)


def texts_to(live: Live, user: str) -> list[str]:
    with read_scope(live.runtime.engine) as s:
        rows = s.exec(select(Outbox).where(Outbox.recipient == user).order_by(col(Outbox.id))).all()
        out = []
        for row in rows:
            message = row.message
            if "text" in message:
                out.append(str(message["text"]))
            else:
                element = message["attachment"]["payload"]["elements"][0]
                out.append(f"{element['title']}\n{element.get('subtitle', '')}")
        return out


def test_request_accept_and_relay_in_the_running_app(live: Live) -> None:
    with live.client() as http:
        for text in ["cho tôi gặp cán bộ", "cài VNeID cho mẹ", "buổi chiều", "thôn 1"]:
            say(live, http, RESIDENT, text)
        say(live, http, RESIDENT, "Gửi yêu cầu")
        assert any("Yêu cầu hỗ trợ #1 – Thôn Đông" in t for t in texts_to(live, HUNG))
        say(live, http, HUNG, "#h:accept:1")
        assert any("Cán bộ Trần Văn Hùng đã nhận" in t for t in texts_to(live, RESIDENT))
        before = len(texts_to(live, RESIDENT))
        say(live, http, RESIDENT, "mấy giờ cháu qua?")
        assert texts_to(live, HUNG)[-1] == "💬 Một người dân (#1): mấy giờ cháu qua?"
        assert len(texts_to(live, RESIDENT)) == before  # the bot kept quiet
        say(live, http, HUNG, "kết thúc")
        assert "Cán bộ hỗ trợ có giúp được bạn không?" in texts_to(live, RESIDENT)[-1]
    with read_scope(live.runtime.engine) as s:
        [ticket] = s.exec(select(HandoffTicket)).all()
    assert ticket.status == "resolved"
