"""Village news end to end, through the running app and its simulator: residents opt in (or
out) in chat as on a phone, a village leader sends a notice to Thôn Đông's followers over the
admin API, and the subscriber receives it while every other follower of the village is in the
report as skipped, with the reason."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.dev.chat import ChatClient
from db import residents
from db.session import session_scope
from db.types import utcnow
from tests.e2e.test_campaigns import make_token, sent, settled, wait_report
from tests.live import Live

NOTICE = "Thôn Đông: 19 giờ tối nay họp thôn tại nhà văn hóa."


async def _joined(http: httpx.AsyncClient, name: str) -> ChatClient:
    chat = ChatClient(http, name, quiet_s=0.4)
    await chat.join()
    welcome = "\n".join(await chat.receive())
    assert "Bạn muốn nhận tin của thôn không?" in welcome and "Nhận tin của thôn" in welcome
    return chat


async def _talk(chat: ChatClient, *typed: str) -> str:
    said = ""
    for text in typed:
        await chat.send(text)
        said = "\n".join(await chat.receive())
    return said


async def test_opt_in_then_a_village_notice_reaches_the_subscriber_only(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        ba = await _joined(http, "Bác Ba")
        said = await _talk(ba, "toi muon dang ky nhan thong bao cua xa")
        assert "Bạn đồng ý nhận tin chứ?" in said and 'gõ "hủy nhận tin"' in said
        assert "[3] Thôn Đông" not in said
        said = await _talk(ba, "Đồng ý nhận tin", "Thôn Đông")
        assert "Bạn đã đăng ký nhận thông báo của Thôn Đông" in said
        # Cô Tư subscribed, then stopped: still a follower of Thôn Đông, without news.
        tu = await _joined(http, "Cô Tư")
        await _talk(tu, "đăng ký nhận tin", "dong y", "thon dong")
        assert "đã thôi gửi thông báo" in await _talk(tu, "huy nhan tin")
        # Chú Năm subscribed, but last wrote to the OA three days ago.
        nam = await _joined(http, "Chú Năm")
        await _talk(nam, "đăng ký nhận tin", "Đồng ý nhận tin", "Thôn Đông")
        with session_scope(live.runtime.engine) as s:
            row = residents.get_by_zalo_id(s, zalo_user_id=nam.user_id)
            assert row is not None and row.news_opt_in
            row.last_interaction_at = utcnow() - timedelta(days=3)
            s.add(row)
        # Bà Sáu follows another village's news.
        sau = await _joined(http, "Bà Sáu")
        await _talk(sau, "đăng ký nhận tin", "Đồng ý nhận tin", "Thôn Trung Hòa")

    with live.client() as sync:
        leader = make_token(live, "leader", ["thon-dong"])
        created = sync.post(
            "/admin/campaigns",
            headers=leader,
            json={
                "text": NOTICE,
                "targets": {"kinds": ["followers"], "villages": ["thon-dong"]},
                "urgent": True,  # any hour: no quiet-hours hold
            },
        )
        assert created.status_code == 201, created.text
        report = wait_report(sync, created.json()["id"], settled)
        by = {d["recipient"]: d for d in report["deliveries"]}
        assert set(by) == {ba.user_id, tu.user_id, nam.user_id}  # not Thôn Trung Hòa's
        assert by[ba.user_id]["status"] == "sent"
        assert by[tu.user_id]["status"] == "skipped"
        assert by[tu.user_id]["reason"].startswith("Chưa đăng ký nhận tin của thôn")
        assert by[nam.user_id]["status"] == "skipped" and "48 giờ" in by[nam.user_id]["reason"]
        assert report["counts"]["sent"] == 1 and report["counts"]["skipped"] == 2
        received = [m["body"]["message"].get("text") for m in sent(sync, user_id=ba.user_id)]
        assert received.count(NOTICE) == 1
        for other in (tu, nam, sau):
            assert all(
                NOTICE not in str(m["body"]["message"]) for m in sent(sync, user_id=other.user_id)
            )
