"""A team member records door-to-door help through the running app: the simulator's webhook
and button taps, the real processor and outbox, the simulator's 1:1 messages back."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlmodel import select

from bot.config import DEMO_ADMIN_TOKEN
from db.models import AuditLog
from db.session import read_scope
from tests.fieldwork.conftest import HUNG
from tests.live import Live


class Member:
    """One member talking to the OA through the simulator."""

    def __init__(self, http: httpx.Client, user_id: str) -> None:
        self.http, self.user_id = http, user_id
        http.post(
            "/_sim/users",
            json={
                "user_id": user_id,
                "display_name": user_id,
                "last_interaction_ms": int(time.time() * 1000),
            },
        )

    def sent(self) -> list[dict[str, Any]]:
        items = self.http.get("/_sim/outbox", params={"user_id": self.user_id}).json()["items"]
        return list(items)

    def _answered(self, before: int) -> str:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            items = self.sent()
            if len(items) > before:
                time.sleep(0.2)  # a reply of several messages
                return "\n".join(_text(i) for i in self.sent()[before:])
            time.sleep(0.05)
        raise AssertionError(f"no answer to {self.user_id}")

    def send(self, text: str) -> str:
        before = len(self.sent())
        self.http.post("/_sim/inbound", json={"user_id": self.user_id, "text": text})
        return self._answered(before)

    def tap(self, label: str) -> str:
        items = self.sent()
        last = next(i for i in reversed(items) if "attachment" in i["body"]["message"])
        buttons = last["body"]["message"]["attachment"]["payload"]["buttons"]
        index = next(n for n, b in enumerate(buttons) if label in b["title"])
        self.http.post(
            "/_sim/click",
            json={"user_id": self.user_id, "message_id": last["message_id"], "button_index": index},
        )
        return self._answered(len(items))


def _text(item: dict[str, Any]) -> str:
    message = item["body"]["message"]
    if "text" in message:
        return str(message["text"])
    element = message["attachment"]["payload"]["elements"][0]
    return f"{element['title']}\n{element['subtitle']}"


def test_a_member_records_a_burst_and_reads_the_month(live: Live) -> None:
    with live.client() as http:
        hung = Member(http, HUNG)
        assert "Thôn Đông: anh/chị gõ tên chủ hộ" in hung.send("ghi nhận hỗ trợ")
        assert "đã giúp những việc gì" in hung.send("Nguyễn Văn An")
        hung.tap("VNeID mức 2")
        hung.tap("Việc khác")
        hung.tap("Việc khác")  # three at a time: the last page
        hung.tap("Phòng lừa đảo")
        hung.tap("Xong")
        assert "✅ Đã ghi nhận hộ Nguyễn Văn An (Thôn Đông)" in hung.tap("2")
        assert "gõ tên chủ hộ" in hung.tap("Thêm hộ khác")
        hung.send("Trần Thị Bình")
        hung.send("3")
        hung.tap("Lý lịch tư pháp")
        assert "Nộp hồ sơ trực tuyến (Lý lịch tư pháp)" in hung.tap("Bỏ qua")
        assert "Đã xóa ghi nhận hộ Trần Thị Bình" in hung.tap("Xóa")
        summary = hung.send("tổng kết tháng")
        assert "Lượt hỗ trợ: 1, số hộ: 1" in summary and "Kích hoạt VNeID mức 2: 1" in summary
        assert "- Trần Văn Hùng: 1 lượt, 1 hộ, 1 VNeID mức 2, 0 hồ sơ" in summary
        body = http.get(
            "/admin/fieldwork", headers={"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
        ).json()
        [record] = body["records"]
        assert (record["household"], record["actions"], record["people"]) == (
            "Nguyễn Văn An",
            ["vneid_level2", "scam"],
            2,
        )
    with read_scope(live.runtime.engine) as s:
        actions = [a.action for a in s.exec(select(AuditLog)).all()]
    assert "fieldwork.delete" in actions
