"""Relays counted per group, through the running app and its simulator: Thôn Trung Hòa's
group is not OA-managed and two members serve the village; one taps "Đã chuyển vào nhóm",
the group's relay is done for both, the other is told who posted it, and the figures count
one group posted out of one."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.test_campaigns import ADMIN, app, seed_sim, sent, settled, wait_report
from tests.live import Live

__all__ = ["app"]  # the fixture, with the campaigns ticking fast

MAI = "7000000000000000003"
BAO = "7000000000000000005"


def _messages(http: httpx.Client, user: str, n: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while len(found := sent(http, user_id=user)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(found) >= n, found
    return found


def _text(message: dict[str, Any]) -> str:
    body = message["body"]["message"]
    if "text" in body:
        return str(body["text"])
    element = body["attachment"]["payload"]["elements"][0]
    return f"{element['title']}\n{element.get('subtitle', '')}"


def _said_to(http: httpx.Client, user: str, needle: str) -> list[str]:
    """What was sent to `user` that contains `needle`, once it has arrived."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [t for t in map(_text, sent(http, user_id=user)) if needle in t]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"nothing with {needle!r} to {user}: {sent(http, user_id=user)}")


def _tap_confirm(http: httpx.Client, user: str, ask: dict[str, Any]) -> None:
    click = http.post(
        "/_sim/click", json={"user_id": user, "message_id": ask["message_id"], "button_index": 0}
    )
    assert click.status_code == 200, click.text


def test_one_confirmation_closes_the_groups_relay_for_every_member(app: Live) -> None:
    with app.client() as http:
        seed_sim(http)
        created = http.post(
            "/admin/campaigns",
            headers=ADMIN,
            json={
                "text": "Thôn Trung Hòa: sáng thứ Bảy tổng vệ sinh đường làng.",
                "targets": {"kinds": ["relay"], "villages": ["thon-trung-hoa"]},
                "urgent": True,
            },
        )
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        wait_report(http, cid, settled)
        # Both members get the post and the request for the same group.
        to_mai, to_bao = _messages(http, MAI, 2), _messages(http, BAO, 2)
        for ask in (to_mai[1], to_bao[1]):
            assert 'nhóm "Bà con Trung Hòa"' in _text(ask)
        _tap_confirm(http, MAI, to_mai[1])
        report = wait_report(http, cid, lambda r: r["counts"]["relay_confirmed"] == 1)
        rows = {d["recipient"]: d for d in report["deliveries"]}
        # One tap: the group's relay is done for both, by the one who posted it.
        assert {rows[m]["relay_confirmed_by"] for m in (MAI, BAO)} == {"Lê Thị Mai"}
        assert rows[BAO]["relay_confirmed_at"] is not None
        assert (report["counts"]["relay_groups"], report["counts"]["relay_confirmed"]) == (1, 1)
        assert _said_to(http, MAI, "Cảm ơn anh/chị đã chuyển tin")
        [told] = _said_to(http, BAO, "Lê Thị Mai đã chuyển thông báo")
        assert 'vào nhóm "Bà con Trung Hòa"' in told and "không cần chuyển nữa" in told
        # Phạm Quốc Bảo taps his own (older) button: told again who posted it.
        _tap_confirm(http, BAO, to_bao[1])
        assert _said_to(http, BAO, "đã được báo chuyển vào nhóm rồi: Lê Thị Mai")
        # The figures count groups: 1 posted of 1, not 1 of 2 members.
        stats = http.get("/admin/stats", headers=ADMIN).json()["broadcasts"]
        assert (stats["relay_confirmed"], stats["relays_sent"]) == (1, 1)
        assert stats["relay_confirm_rate"] == 1.0
        village = next(v for v in stats["by_village"] if v["village"] == "Thôn Trung Hòa")
        assert (village["relay_confirmed"], village["relays_sent"]) == (1, 1)
        by_campaign = http.get("/admin/campaigns/stats", headers=ADMIN).json()["items"]
        assert sum(r["relay_confirmed"] for r in by_campaign) == 1
