"""Campaigns through the running app: the admin API over HTTP, the in-app scheduler (under
the lease, APScheduler job store), the outbox, and the simulator's group and 1:1 APIs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.api.admin.auth import new_token
from bot.clock import FakeClock
from bot.config import DEMO_ADMIN_TOKEN
from db import admin as admin_rows
from db import campaigns as campaign_rows
from db import residents
from db.session import session_scope
from db.types import utcnow
from tests.live import Live, run_live

ADMIN = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
GROUPS = {  # the demo organisation's groups: (village, OA-managed)
    "1a2b3c4d5e6f70810000": None,
    "1a2b3c4d5e6f70810001": True,
    "1a2b3c4d5e6f70810002": False,
    "1a2b3c4d5e6f70810003": False,
    "1a2b3c4d5e6f70810004": True,
}
TEAM = {
    "7000000000000000001": "Nguyễn Thị Lan",
    "7000000000000000002": "Trần Văn Hùng",
    "7000000000000000003": "Lê Thị Mai",
    "7000000000000000004": "Lò Văn Pánh",
    "7000000000000000005": "Phạm Quốc Bảo",
}
PANH = "7000000000000000004"
HUNG = "7000000000000000002"
DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def app(db_url: str) -> Iterator[Live]:
    yield from run_live(db_url, campaign_tick_s=0.2)


def seed_sim(http: httpx.Client, *, skip_groups: tuple[str, ...] = ()) -> None:
    """What the real OA would already have: its groups and the team members (who chatted
    with the OA recently, so 1:1 messages reach them)."""
    now_ms = int(time.time() * 1000)
    for group_id, managed in GROUPS.items():
        if group_id not in skip_groups:
            http.post(
                "/_sim/groups",
                json={"group_id": group_id, "name": group_id, "oa_member": bool(managed)},
            )
    for user_id, name in TEAM.items():
        http.post(
            "/_sim/users",
            json={"user_id": user_id, "display_name": name, "last_interaction_ms": now_ms},
        )


def add_follower(
    app: Live, http: httpx.Client, user_id: str, village: str, days_ago: float
) -> None:
    """A resident of `village` who asked for news and last wrote to the OA `days_ago`."""
    last_ms = int(time.time() * 1000 - days_ago * DAY_MS)
    http.post(
        "/_sim/users",
        json={
            "user_id": user_id,
            "display_name": user_id,
            "follower": True,
            "last_interaction_ms": last_ms,
        },
    )
    with session_scope(app.runtime.engine) as s:
        village_id = campaign_rows.villages_by_code(s)[village].id
        r = residents.touch(s, zalo_user_id=user_id, now=utcnow(), interacted=True)
        # The bot believes the window is open (e.g. its record is older than Zalo's).
        r.last_interaction_at = utcnow() - timedelta(hours=1)
        residents.set_village(s, resident=r, village_id=village_id)
        residents.set_news_opt_in(s, resident=r, opt_in=True)
        residents.set_following(s, resident=r, following=True, now=utcnow())


def sent(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    return list(http.get("/_sim/outbox", params=params).json()["items"])


def wait_report(http: httpx.Client, cid: int, done: Any, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    report: dict[str, Any] = {}
    while time.monotonic() < deadline:
        report = http.get(f"/admin/campaigns/{cid}/report", headers=ADMIN).json()
        if report.get("deliveries") and done(report):
            return report
        time.sleep(0.1)
    raise AssertionError(f"campaign {cid} did not settle: {report}")


def settled(report: dict[str, Any]) -> bool:
    """Every delivery has an outcome (counts and rows are read by separate statements, so
    both must agree)."""
    counts = report["counts"]
    done = counts["sent"] + counts["failed"] + counts["skipped"]
    rows_done = all(d["status"] != "pending" for d in report["deliveries"])
    return bool(counts["pending"] == 0 and done == len(report["deliveries"]) and rows_done)


def test_all_three_target_kinds_with_relay_confirmation(app: Live) -> None:
    with app.client() as http:
        seed_sim(http)
        add_follower(app, http, "8000000000000000001", "thon-dong", days_ago=0.1)
        created = http.post(
            "/admin/campaigns",
            headers=ADMIN,
            json={
                "template": "ngay-hoi-dvc",
                "variables": {"place": "Hội trường xã", "time": "7 giờ 30", "date": "thứ Bảy"},
                "targets": {"kinds": ["group", "relay", "followers"]},
                "urgent": True,  # the test may run at any hour: no quiet-hours hold
            },
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert [p["village"] for p in body["preview"]] == [
            "thon-dong",
            "thon-trung-hoa",
            "ban-na-lay",
            "tdp-3",
        ] or len(body["preview"]) == 4
        report = wait_report(http, body["id"], settled)
        counts = report["counts"]
        assert counts["sent"] == 6 and counts["failed"] == 0, (counts, report["deliveries"])
        for group_id in ("1a2b3c4d5e6f70810001", "1a2b3c4d5e6f70810004"):
            posts = sent(http, group_id=group_id)
            assert len(posts) == 1 and "Hội trường xã" in posts[0]["body"]["message"]["text"]
        assert sent(http, group_id="1a2b3c4d5e6f70810002") == []  # not OA-managed: relayed
        follower = sent(http, user_id="8000000000000000001")
        assert len(follower) == 1 and "Thôn Đông" in follower[0]["body"]["message"]["text"]
        # Lò Văn Pánh forwards the post into Bản Nà Lầy's group and taps the button.
        deadline = time.monotonic() + 10
        while len(to_panh := sent(http, user_id=PANH)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Bản Nà Lầy" in to_panh[0]["body"]["message"]["text"]
        ask = to_panh[1]
        click = http.post(
            "/_sim/click",
            json={"user_id": PANH, "message_id": ask["message_id"], "button_index": 0},
        )
        assert click.status_code == 200, click.text
        report = wait_report(http, body["id"], lambda r: r["counts"]["relay_confirmed"] == 1)
        mine = [d for d in report["deliveries"] if d["recipient"] == PANH]
        assert mine[0]["relay_confirmed_by"] == "Lò Văn Pánh" and mine[0]["relay_confirmed_at"]
        # Read receipts come back from the simulator for 1:1 messages.
        wait_report(http, body["id"], lambda r: r["counts"]["seen"] >= 1)
        stats = http.get("/admin/campaigns/stats", headers=ADMIN).json()["items"]
        assert sum(r["sent"] for r in stats) == 6 and sum(r["relay_confirmed"] for r in stats) == 1
        # Officials read village names, not ids.
        assert all(r["village_name"] for r in stats)
        assert {r["village_name"] for r in stats if r["village"] == "thon-dong"} == {"Thôn Đông"}


def test_zalo_errors_are_retried_or_recorded_with_the_reason(app: Live) -> None:
    with app.client() as http:
        seed_sim(http)
        # The OA was removed from Tổ dân phố 3's group since the organisation file was written.
        http.post(
            "/_sim/groups",
            json={"group_id": "1a2b3c4d5e6f70810004", "name": "Tổ 3", "oa_member": False},
        )
        # Zalo knows better than our records: this follower last wrote 8 days ago.
        add_follower(app, http, "8000000000000000002", "thon-dong", days_ago=8)
        add_follower(app, http, "8000000000000000003", "thon-dong", days_ago=0.1)
        http.post(
            "/_sim/faults", json={"route": "/v3.0/oa/group/message", "error_code": -32, "count": 1}
        )
        http.post(
            "/_sim/faults", json={"route": "/v3.0/oa/message/cs", "error_code": -216, "count": 1}
        )
        created = http.post(
            "/admin/campaigns",
            headers=ADMIN,
            json={
                "text": "Thông báo: sáng mai cắt điện từ 7 giờ đến 11 giờ.",
                "targets": {"kinds": ["group", "followers"], "villages": ["thon-dong", "tdp-3"]},
                "urgent": True,
            },
        )
        assert created.status_code == 201, created.text
        report = wait_report(http, created.json()["id"], settled)
        by = {d["recipient"]: d for d in report["deliveries"]}
        assert by["1a2b3c4d5e6f70810001"]["status"] == "sent"  # -32: retried, then sent
        assert by["8000000000000000003"]["status"] == "sent"  # -216: token refreshed, sent
        closed = by["8000000000000000002"]
        assert closed["status"] == "skipped" and closed["error_code"] == -230
        assert "7 ngày" in closed["reason"]
        gone = by["1a2b3c4d5e6f70810004"]
        assert gone["status"] == "failed" and gone["error_code"] == -403
        assert gone["reason"] == "OA không ở trong nhóm này"
        assert len(sent(http, group_id="1a2b3c4d5e6f70810001")) == 1


def make_token(app: Live, role: str, villages: list[str]) -> dict[str, str]:
    token = new_token()
    with session_scope(app.runtime.engine) as s:
        admin_rows.create_token(
            s, token=token, role=role, villages=villages, name="t", now=utcnow(), expires_at=None
        )
    return {"Authorization": f"Bearer {token}"}


def test_scope_roles_and_bad_input(app: Live) -> None:
    with app.client() as http:
        leader = make_token(app, "leader", ["thon-dong"])
        official = make_token(app, "official", [])
        text = {"text": "Họp thôn tối thứ Sáu.", "targets": {"kinds": ["group"]}}
        later = {"kind": "once", "at": "2099-01-01T07:30"}
        outside = http.post(
            "/admin/campaigns",
            headers=leader,
            json={**text, "targets": {"kinds": ["group"], "villages": ["ban-na-lay"]}},
        )
        assert outside.status_code == 403 and "ban-na-lay" in outside.json()["detail"]
        assert http.post("/admin/campaigns", headers=official, json=text).status_code == 403
        mine = http.post("/admin/campaigns", headers=leader, json={**text, "schedule": later})
        assert mine.status_code == 201 and mine.json()["targets"]["villages"] == ["thon-dong"]
        commune = http.post("/admin/campaigns", headers=ADMIN, json={**text, "schedule": later})
        cid = commune.json()["id"]
        assert http.get(f"/admin/campaigns/{cid}", headers=leader).status_code == 403
        assert http.post(f"/admin/campaigns/{cid}/cancel", headers=leader).status_code == 403
        assert [c["id"] for c in http.get("/admin/campaigns", headers=leader).json()["items"]] == [
            mine.json()["id"]
        ]
        assert http.get("/admin/campaigns/999", headers=ADMIN).status_code == 404
        org = http.get("/admin/org", headers=leader).json()
        assert [v["code"] for v in org["villages"]] == ["thon-dong"] and "commune_groups" not in org
        assert org["villages"][0]["groups"][0]["oa_managed"] is True
        assert len(http.get("/admin/org", headers=ADMIN).json()["villages"]) == 4
        assert http.get("/admin/campaigns", headers={}).status_code == 401
        for bad in (
            {"text": "   "},
            {**text, "schedule": {"kind": "once", "at": "tomorrow"}},
            {**text, "schedule": {"kind": "cron", "cron": "sometimes"}},
            {
                **text,
                "schedule": {
                    "kind": "daily",
                    "time": "07:30",
                    "from": "2099-01-05",
                    "to": "2099-01-01",
                },
            },
            {"template": "no-such-template"},
            {**text, "targets": {"kinds": ["sms"]}},
        ):
            answer = http.post("/admin/campaigns", headers=ADMIN, json=bad)
            assert 400 <= answer.status_code < 500 and answer.json()["detail"], (bad, answer.text)
        assert http.post("/admin/campaigns", headers=ADMIN, json={"unknown": 1}).status_code == 422
        # Pause, resume, skip, edit before it starts, cancel.
        assert (
            http.post(f"/admin/campaigns/{cid}/pause", headers=ADMIN).json()["status"] == "paused"
        )
        assert http.post(f"/admin/campaigns/{cid}/pause", headers=ADMIN).status_code == 409
        assert (
            http.post(f"/admin/campaigns/{cid}/resume", headers=ADMIN).json()["status"]
            == "scheduled"
        )
        edited = http.put(
            f"/admin/campaigns/{cid}",
            headers=ADMIN,
            json={**text, "schedule": {"kind": "cron", "cron": "30 7 * * sat", "to": "2099-12-31"}},
        )
        assert edited.status_code == 200 and edited.json()["schedule"]["cron"] == "30 7 * * sat"
        first = edited.json()["next_run_local"]  # "07:30 dd/mm/yyyy"
        day, month, year = first[6:].split("/")
        skip = http.post(
            f"/admin/campaigns/{cid}/skip",
            headers=ADMIN,
            json={"at": f"{year}-{month}-{day}T07:30"},
        )
        assert skip.status_code == 200 and skip.json()["skip"], skip.text
        assert (
            http.post(f"/admin/campaigns/{cid}/cancel", headers=ADMIN).json()["status"]
            == "cancelled"
        )


def test_approval_required_for_village_leaders(db_url: str) -> None:
    for app in run_live(db_url, campaign_tick_s=0.2, campaign_requires_approval=True):
        with app.client() as http:
            seed_sim(http)
            leader = make_token(app, "leader", ["thon-dong"])
            body = {
                "text": "Thôn Đông: chiều nay phun thuốc muỗi.",
                "targets": {"kinds": ["group"]},
                "urgent": True,
            }
            created = http.post("/admin/campaigns", headers=leader, json=body).json()
            assert created["status"] == "pending_approval"
            assert (
                http.post(f"/admin/campaigns/{created['id']}/approve", headers=leader).status_code
                == 403
            )
            time.sleep(0.6)
            assert sent(http, group_id="1a2b3c4d5e6f70810001") == []  # not before approval
            approved = http.post(f"/admin/campaigns/{created['id']}/approve", headers=ADMIN).json()
            assert approved["status"] == "scheduled" and approved["approved_by"]
            wait_report(http, created["id"], settled)
            assert len(sent(http, group_id="1a2b3c4d5e6f70810001")) == 1


def test_leader_wizard_over_the_webhook(app: Live) -> None:
    with app.client() as http:
        seed_sim(http)

        def after(n: int) -> list[dict[str, Any]]:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                items = sent(http, user_id=HUNG)
                if len(items) > n:
                    time.sleep(0.2)
                    return sent(http, user_id=HUNG)
                time.sleep(0.05)
            raise AssertionError(f"no answer to {HUNG}: {sent(http, user_id=HUNG)}")

        def tap(label: str) -> None:
            items = sent(http, user_id=HUNG)
            last = items[-1]
            buttons = last["body"]["message"]["attachment"]["payload"]["buttons"]
            index = next(i for i, b in enumerate(buttons) if label in b["title"])
            http.post(
                "/_sim/click",
                json={"user_id": HUNG, "message_id": last["message_id"], "button_index": index},
            )
            after(len(items))

        http.post("/_sim/inbound", json={"user_id": HUNG, "text": "thông báo"})
        after(0)
        tap("Tự viết")
        n = len(sent(http, user_id=HUNG))
        http.post(
            "/_sim/inbound",
            json={"user_id": HUNG, "text": "Tối nay 19 giờ họp thôn tại nhà văn hóa."},
        )
        after(n)
        tap("Thôn Đông")
        tap("Gửi ngay")
        tap("Có, gửi ngay")
        assert "Đã nhận thông báo số 1" in sent(http, user_id=HUNG)[-1]["body"]["message"]["text"]
        # A weekday evening in quiet hours would hold it until 07:00; either way it is queued.
        report = wait_report(http, 1, lambda r: len(r["deliveries"]) == 1)
        assert report["deliveries"][0]["recipient"] == "1a2b3c4d5e6f70810001"
        assert report["campaign"]["created_by"] == "member:2"


def test_org_is_edited_through_the_admin_api(app: Live) -> None:
    import yaml

    from bot.config import Settings

    demo = yaml.safe_load(
        (Settings().content_dir / "demo" / "org.yaml").read_text(encoding="utf-8")
    )
    demo["villages"][0]["households"] = 330
    demo["villages"][0]["groups"][0]["oa_managed"] = False
    with app.client() as http:
        official = make_token(app, "official", [])
        assert http.put("/admin/org", headers=official, json=demo).status_code == 403
        done = http.put("/admin/org", headers=ADMIN, json=demo)
        assert done.status_code == 200, done.text
        assert done.json()["villages_updated"] == 4 and done.json()["members"] == 5
        villages = http.get("/admin/org", headers=ADMIN).json()["villages"]
        east = next(v for v in villages if v["code"] == "thon-dong")
        assert east["households"] == 330 and east["groups"][0]["oa_managed"] is False
        broken = {
            **demo,
            "groups": [{"group_id": "1a2b3c4d5e6f70810001", "name": "Trùng mã nhóm"}],
            "team": [
                *demo["team"],
                {
                    "zalo_user_id": "7000000000000000009",
                    "name": "Ngoài xã",
                    "role": "village_leader",
                    "villages": ["thon-khac"],
                },
            ],
        }
        refused = http.put("/admin/org", headers=ADMIN, json=broken)
        assert refused.status_code == 422
        detail = str(refused.json()["detail"])
        assert "group id '1a2b3c4d5e6f70810001' appears more than once" in detail
        assert "refers to unknown village 'thon-khac'" in detail
        # nothing was changed by the refused body
        assert len(http.get("/admin/org", headers=ADMIN).json()["commune_groups"]) == 1


def test_an_absurd_household_count_is_refused_with_a_reason(app: Live) -> None:
    body = {"commune": {"name": "Xã Thử"}, "villages": [{"code": "a", "name": "A"}]}
    body["villages"][0]["households"] = 2**63  # once a 500: too large for the database
    with app.client() as http:
        admin = make_token(app, "admin", [])
        answer = http.put("/admin/org", headers=admin, json=body)
    assert answer.status_code == 422
    assert "households" in answer.text


def test_the_template_list_dates_its_examples_from_today(db_url: str) -> None:
    # Tuesday 2 March 2027, 09:00 in Vietnam.
    clock = FakeClock(datetime(2027, 3, 2, 2, 0, tzinfo=UTC))
    for live in run_live(db_url, clock=clock):
        with live.client() as http:
            items = http.get("/admin/campaigns/templates", headers=ADMIN).json()["items"]
        samples = {t["id"]: t["sample"] for t in items}
        assert samples["canh-bao-lua-dao"]["date"] == "thứ Tư 03/03/2027"  # tomorrow
        assert samples["ngay-hoi-dvc"]["date"] == "thứ Bảy 06/03/2027"  # its weekly Saturday
        assert samples["go-tung-ngo"]["place"] == "Nhà văn hóa thôn"
