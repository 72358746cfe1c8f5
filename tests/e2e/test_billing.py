"""Zalo's 2026 billing (updates-2026.md §1.2): a 1:1 message sent 48 h to 7 days after the
resident's last interaction is billed; when the OA's Zalo Cloud Account cannot pay, Zalo
answers -320/-321. The message is held (not a failure of the resident), officials see an
alert, and it goes out once the resident writes again. Zalo's `quota` answers are kept."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.config import DEMO_ADMIN_TOKEN
from bot.zalo.messages import fingerprint
from db import outbox, residents
from db.models import Outbox
from db.session import read_scope, session_scope
from db.types import utcnow
from tests.live import Live

ADMIN = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
DAY_MS = 86_400_000
NOTICE = "Hồ sơ của bác đã có kết quả, mời bác lên xã nhận."


def resident_seen_days_ago(live: Live, http: httpx.Client, user_id: str, days: float) -> None:
    """A resident who last wrote `days` ago, as Zalo and the bot both know it."""
    last_ms = int(time.time() * 1000 - days * DAY_MS)
    http.post(
        "/_sim/users",
        json={"user_id": user_id, "display_name": "Bác Năm", "last_interaction_ms": last_ms},
    )
    with session_scope(live.runtime.engine) as s:
        r = residents.touch(s, zalo_user_id=user_id, now=utcnow(), interacted=True)
        r.last_interaction_at = utcnow() - timedelta(days=days)


def queue_notice(
    live: Live, user_id: str, *, age: timedelta = timedelta(0), kind: str = "notify"
) -> int:
    body = {"text": NOTICE}
    with session_scope(live.runtime.engine) as s:
        row_id = outbox.enqueue(
            s,
            idempotency_key=f"notice:{user_id}",
            recipient=user_id,
            message=body,
            fingerprint=fingerprint(body),
            now=utcnow() - age,
            kind=kind,
            priority=5,
            not_before=utcnow(),
        )
    assert row_id is not None
    live.runtime.sender.wake()
    return row_id


def row(live: Live, row_id: int) -> Outbox:
    with read_scope(live.runtime.engine) as s:
        found = s.exec(select(Outbox).where(Outbox.id == row_id)).one()
        s.expunge(found)
        return found


def wait_row(live: Live, row_id: int, predicate: Any, timeout: float = 10.0) -> Outbox:
    deadline = time.monotonic() + timeout
    while True:
        current = row(live, row_id)
        if predicate(current) or time.monotonic() > deadline:
            return current
        time.sleep(0.05)


def delivery_figures(http: httpx.Client) -> dict[str, Any]:
    response = http.get("/admin/stats", headers=ADMIN)
    assert response.status_code == 200, response.text
    return dict(response.json()["delivery"])


def sent_to(http: httpx.Client, user_id: str) -> list[dict[str, Any]]:
    return list(http.get("/_sim/outbox", params={"user_id": user_id}).json()["items"])


@pytest.mark.parametrize("code", [-320, -321])
def test_a_billing_refusal_holds_the_message_alerts_officials_and_sends_later(
    live: Live, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = "8100000000000000001"
    with live.client() as http:
        assert http.post("/_sim/config", json={"zca_billing": code}).status_code == 200
        resident_seen_days_ago(live, http, user, days=3)
        row_id = queue_notice(live, user)
        held = wait_row(live, row_id, lambda r: r.status != "sending" and r.error_code)
        # Held for later, not failed: the resident did nothing wrong.
        assert (held.status, held.error_code, held.attempts) == ("pending", code, 1)
        assert "Zalo Cloud" in (held.error_message or "")
        assert held.next_attempt_at > utcnow() + timedelta(minutes=20)
        assert sent_to(http, user) == []
        figures = delivery_figures(http)
        assert figures["billing"] == 1 and figures["billing_held"] == 1
        assert figures["last_billing"]["text"]
        page = http.get("/admin/dashboard", headers=ADMIN).text
        assert 'id="billing-alert"' in page and "Zalo Cloud (ZCA)" in page
        assert "bot_send_billing_total 1.0" in http.get("/metrics").text
        assert f"BILLING: Zalo refused outbox {row_id} with {code}" in caplog.text
        # The resident writes again: the free window is open, the held message goes now.
        http.post("/_sim/inbound", json={"user_id": user, "text": "cảm ơn cán bộ"})
        done = wait_row(live, row_id, lambda r: r.status == "sent")
        assert done.status == "sent" and done.attempts == 2
        texts = [s["body"]["message"].get("text") for s in sent_to(http, user)]
        assert texts[0] == NOTICE  # before the answer to the new message: order is kept
        after = delivery_figures(http)
        assert after["billing"] == 1 and after["billing_held"] == 0
        # Zalo's answer within 48 hours: the `reply` quota, kept and shown.
        assert after["quota"]["values"] == {"quota_type": "reply"}
        assert "quota_type = reply" in http.get("/admin/dashboard", headers=ADMIN).text


def test_a_message_held_past_the_seven_day_window_fails_with_the_reason(live: Live) -> None:
    user = "8100000000000000002"
    with live.client() as http:
        http.post("/_sim/config", json={"zca_billing": -321})
        resident_seen_days_ago(live, http, user, days=5)
        row_id = queue_notice(live, user, age=timedelta(days=7, minutes=1))
        done = wait_row(live, row_id, lambda r: r.status in ("failed", "sent") or r.error_code)
        assert (done.status, done.error_code) == ("failed", -321)
        assert delivery_figures(http)["billing_held"] == 0


def test_a_paid_account_sends_in_the_billed_window_without_a_quota(live: Live) -> None:
    """48 h to 7 days with a funded account: sent; a billed message carries no `quota`."""
    user = "8100000000000000003"
    with live.client() as http:
        resident_seen_days_ago(live, http, user, days=3)
        row_id = queue_notice(live, user)
        assert wait_row(live, row_id, lambda r: r.status == "sent").status == "sent"
        assert delivery_figures(http)["quota"] is None
        # Past 7 days Zalo refuses: a window failure, not billing.
        late = "8100000000000000004"
        resident_seen_days_ago(live, http, late, days=8)
        late_id = queue_notice(live, late)
        failed = wait_row(live, late_id, lambda r: r.status == "failed")
        assert (failed.status, failed.error_code) == ("failed", -230)
        assert delivery_figures(http)["billing"] == 0


def test_a_campaign_copy_whose_follower_left_the_free_window_is_skipped_unsent(
    live: Live,
) -> None:
    """Fanned out inside the 48 hours, sent after them (held by the quiet hours): skipped
    when its turn comes, never billed, and Zalo is not even asked."""
    left, inside = "8100000000000000005", "8100000000000000006"
    with live.client() as http:
        http.post("/_sim/config", json={"zca_billing": -320})
        resident_seen_days_ago(live, http, left, days=2.1)
        resident_seen_days_ago(live, http, inside, days=1.9)
        skipped = queue_notice(live, left, kind="broadcast")
        sent = queue_notice(live, inside, kind="broadcast")
        done = wait_row(live, skipped, lambda r: r.status not in ("pending", "sending"))
        assert (done.status, done.error_code, done.attempts) == ("skipped", None, 1)
        assert "48 giờ" in (done.error_message or "")
        assert wait_row(live, sent, lambda r: r.status == "sent").status == "sent"
        assert sent_to(http, left) == [] and len(sent_to(http, inside)) == 1
        assert delivery_figures(http)["billing"] == 0
