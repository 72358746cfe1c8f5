"""The statistics API on seeded data: exact figures, scopes, auth, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.api.admin.auth import new_token
from db import admin as admin_rows
from db.session import session_scope
from db.types import utcnow
from tests.live import Live
from tests.stats.seed import seed

RANGE = {"from": "2026-11-10", "to": "2026-11-13"}


def make_token(
    engine: Engine,
    role: str = "official",
    villages: list[str] | None = None,
    *,
    expires_in: timedelta | None = timedelta(days=1),
) -> str:
    token = new_token()
    with session_scope(engine) as s:
        admin_rows.create_token(
            s,
            token=token,
            role=role,
            villages=villages or [],
            name="t",
            now=utcnow(),
            expires_at=utcnow() + expires_in if expires_in else None,
        )
    return token


def get(live: Live, token: str | None, path: str = "/admin/stats", **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with live.client() as http:
        return http.get(path, params={**RANGE, **params}, headers=headers)


@pytest.fixture
def seeded(live: Live) -> Live:
    seed(live.runtime.engine)
    return live


def test_every_figure_matches_the_seeded_data(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    response = get(seeded, token)
    assert response.status_code == 200, response.text
    r = response.json()
    assert r["range"] == {"from": "2026-11-10", "to": "2026-11-13", "timezone": "Asia/Ho_Chi_Minh"}
    f = r["followers"]
    assert (f["total"], f["new"], f["unfollowed"], f["with_known_village"]) == (4, 5, 1, 3)
    assert f["by_day"][0] == {"date": "2026-11-10", "new": 3, "unfollowed": 0}
    assert f["by_day"][2] == {"date": "2026-11-12", "new": 0, "unfollowed": 1}
    a = r["activity"]
    assert a["messages_in"] == 8 and a["messages_out"] == 5
    assert a["active_residents"]["whole_range"] == 4
    assert [d["value"] for d in a["daily_active"]] == [2, 2, 1, 0]
    assert [d["value"] for d in a["messages_in_by_day"]] == [3, 2, 3, 0]
    assert a["median_reply_seconds"] == 3.0 and a["replies_measured"] == 2
    [vneid] = r["flows"]["per_flow"]
    assert (vneid["started"], vneid["completed"], vneid["cancelled"], vneid["timed_out"]) == (
        4,
        2,
        1,
        1,
    )
    assert vneid["completion_rate"] == 0.5 and vneid["helpful_rate"] == 0.5
    assert vneid["funnel"] == [
        # Steps by their titles in the flow file; one it does not have, by its id.
        {"step": "intro", "title": "intro", "residents": 4},
        {"step": "level2", "title": "Làm mức 2 ở Công an xã", "residents": 2},
    ]
    p = r["procedures"]
    assert (p["searches"], p["not_found"]) == (6, 2)
    assert p["top"][0] == {"code": "1.001193", "name": "Đăng ký khai sinh", "count": 3}
    assert p["not_found_queries"] == [{"query": "giấy phép nuôi ong", "count": 2}]
    sc = r["scam"]
    assert (sc["checks"], sc["high_risk"], sc["high_risk_share"]) == (4, 3, 0.75)
    assert sc["top_signals"][:2] == [
        {"signal": "link_lookalike", "count": 3},
        {"signal": "urgency", "count": 2},
    ]
    assert sc["reports_by_type"] == [
        {"type": "gia_danh_cong_an", "name": "Giả danh công an, cơ quan điều tra", "count": 2},
        {"type": "trung_thuong", "name": "Trúng thưởng, quà tặng giả", "count": 1},
    ]
    east = {"village": "Thôn Đông", "reports": 2, "types": {"gia_danh_cong_an": 2}}
    assert east in sc["reports_by_village"]
    u = r["unanswered"]
    assert u["total"] == 3 and u["most_frequent"][0] == {"text": "cho hỏi giá lúa", "count": 2}


def test_village_filter_and_token_scope(seeded: Live) -> None:
    engine = seeded.runtime.engine
    official = make_token(engine)
    east = get(seeded, official, village="thon-dong").json()
    assert east["villages"] == ["thon-dong"]
    assert east["activity"]["messages_in"] == 4  # r1 ×3 + r2 ×1
    assert east["followers"]["total"] == 2
    leader = make_token(engine, role="leader", villages=["thon-dong"])
    scoped = get(seeded, leader).json()
    assert scoped["activity"]["messages_in"] == 4
    assert get(seeded, leader, village="tdp-3").status_code == 403
    assert get(seeded, official, village="no-such-place").status_code == 400


def test_bad_ranges_are_refused_with_a_reason(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    for params in (
        {"from": "2026-13-01"},
        {"from": "2026-11-20", "to": "2026-11-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
    ):
        response = get(seeded, token, **params)
        assert response.status_code == 400
        assert response.json()["detail"]


def test_auth_missing_invalid_expired_revoked(live: Live) -> None:
    engine = live.runtime.engine
    assert get(live, None).status_code == 401
    assert get(live, "zb_not-a-real-token").status_code == 401
    expired = make_token(engine, expires_in=timedelta(seconds=-1))
    assert get(live, expired).status_code == 401
    revoked = make_token(engine)
    with session_scope(engine) as s:
        row = admin_rows.find_active(s, token=revoked, now=utcnow())
        assert row is not None and row.id is not None
        admin_rows.revoke(s, token_id=row.id, now=utcnow())
    assert get(live, revoked).status_code == 401


def test_guessing_tokens_is_rate_limited(live: Live) -> None:
    codes = [get(live, f"zb_guess{i}").status_code for i in range(35)]
    assert codes[0] == 401 and codes[-1] == 429
    assert codes.count(401) == 30


def test_csv_has_the_same_figures(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    response = get(seeded, token, path="/admin/stats.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "thong-ke-2026-11-10-2026-11-13.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["from", "to", "section", "metric", "dimension", "value"]
    found = {(r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert found[("activity", "messages_in", "")] == "8"
    assert found[("followers", "by_day.new", "2026-11-10")] == "3"
    assert found[("flows", "per_flow.completion_rate", "vneid")] == "0.5"
    assert found[("procedures", "not_found_queries.count", "giấy phép nuôi ong")] == "2"


def test_reading_stats_is_audited(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    get(seeded, token, village="thon-dong")
    with session_scope(seeded.runtime.engine) as s:
        [entry] = admin_rows.recent_audit(s, limit=1)
        assert entry.action == "stats.read" and entry.detail["village"] == "thon-dong"


def test_digital_skills_and_household_coverage(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    sk = get(seeded, token).json()["skills"]
    assert sk["skills"] == [
        {
            "skill": "online_services",
            "title": "Dịch vụ công trực tuyến",
            "residents_passed": 5,
            "passed_in_range": 4,
        },
        {
            "skill": "online_shopping",
            "title": "Mua sắm trực tuyến",
            "residents_passed": 4,
            "passed_in_range": 3,
        },
        {
            "skill": "online_payment",
            "title": "Thanh toán trực tuyến",
            "residents_passed": 5,
            "passed_in_range": 4,
        },
        {
            "skill": "online_safety",
            "title": "Tự bảo vệ mình trên mạng",
            "residents_passed": 5,
            "passed_in_range": 4,
        },
        {
            "skill": "local_platforms",
            "title": "Nền tảng số ở địa phương",
            "residents_passed": 5,
            "passed_in_range": 4,
        },
    ]
    # r1, r2, r4, r5 mastered all five; r5 before the range
    assert (sk["all_five"], sk["all_five_in_range"]) == (4, 3)
    # one household in Thôn Đông (r1 and r2), one in Tổ dân phố 3, over 312+428+156+245
    assert (sk["households_mastered"], sk["households_total"]) == (2, 1141)
    assert (sk["coverage"], sk["target"]) == (0.0018, 1.0)
    assert sk["households_mastered_unknown_village"] == 0
    assert sk["by_village"] == [
        {
            "village": "Thôn Đông",
            "residents_mastered": 2,
            "households_mastered": 1,
            "mastered_without_household": 0,
            "households_total": 312,
            "coverage": 0.0032,
        },
        {
            "village": "Thôn Trung Hòa",
            "residents_mastered": 0,
            "households_mastered": 0,
            "mastered_without_household": 0,
            "households_total": 428,
            "coverage": 0.0,
        },
        {
            "village": "Bản Nà Lầy",
            "residents_mastered": 0,
            "households_mastered": 0,
            "mastered_without_household": 0,
            "households_total": 156,
            "coverage": 0.0,
        },
        {
            "village": "Tổ dân phố 3",
            "residents_mastered": 1,
            "households_mastered": 1,
            "mastered_without_household": 0,
            "households_total": 245,
            "coverage": 0.0041,
        },
        {
            "village": "Chưa rõ thôn",
            "residents_mastered": 1,
            "households_mastered": 0,
            "mastered_without_household": 1,
            "households_total": None,
            "coverage": None,
        },
    ]


def test_handoff_figures(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    h = get(seeded, token).json()["handoffs"]
    figures = {k: v for k, v in h.items() if k not in ("by_village", "by_member")}
    assert figures == {
        "requested": 5,
        "accepted": 3,
        "resolved": 2,
        "cancelled": 1,
        "escalated": 1,
        "median_minutes_to_accept": 10.0,
        "open_now": 1,
        "in_progress_now": 1,
    }
    villages = {v["village"]: v for v in h["by_village"]}
    assert list(villages) == [
        "Thôn Đông",
        "Thôn Trung Hòa",
        "Bản Nà Lầy",
        "Tổ dân phố 3",
        "Chưa rõ thôn",
    ]
    east = villages["Thôn Đông"]
    assert (east["requested"], east["accepted"], east["resolved"]) == (2, 2, 1)
    assert (east["median_minutes_to_accept"], east["open_now"], east["in_progress_now"]) == (
        8.0,
        0,
        1,
    )
    trung = villages["Thôn Trung Hòa"]
    assert (trung["requested"], trung["resolved"], trung["median_minutes_to_accept"]) == (
        1,
        1,
        20.0,
    )
    assert villages["Bản Nà Lầy"]["requested"] == 0
    assert (villages["Tổ dân phố 3"]["requested"], villages["Tổ dân phố 3"]["cancelled"]) == (
        1,
        1,
    )
    commune = villages["Chưa rõ thôn"]
    assert (commune["requested"], commune["open_now"], commune["escalated"]) == (1, 1, 1)
    assert h["by_member"] == [
        {
            "member": "Trần Văn Hùng",
            "accepted": 2,
            "resolved": 1,
            "median_minutes_to_accept": 8.0,
            "in_progress_now": 1,
        },
        {
            "member": "Lê Thị Mai",
            "accepted": 1,
            "resolved": 1,
            "median_minutes_to_accept": 20.0,
            "in_progress_now": 0,
        },
    ]


def test_skills_and_handoffs_follow_the_token_scope(seeded: Live) -> None:
    leader = make_token(seeded.runtime.engine, role="leader", villages=["thon-dong"])
    r = get(seeded, leader).json()
    sk = r["skills"]
    assert (sk["all_five"], sk["all_five_in_range"]) == (2, 2)
    assert [s["residents_passed"] for s in sk["skills"]] == [2, 2, 2, 2, 2]
    assert (sk["households_mastered"], sk["households_total"], sk["coverage"]) == (1, 312, 0.0032)
    assert [v["village"] for v in sk["by_village"]] == ["Thôn Đông"]
    h = r["handoffs"]
    assert (h["requested"], h["accepted"], h["resolved"], h["open_now"]) == (2, 2, 1, 0)
    assert h["median_minutes_to_accept"] == 8.0
    assert [v["village"] for v in h["by_village"]] == ["Thôn Đông"]
    # Mai's only Thôn Đông ticket is before the range
    assert [m["member"] for m in h["by_member"]] == ["Trần Văn Hùng"]
    official = make_token(seeded.runtime.engine)
    tdp3 = get(seeded, official, village="tdp-3").json()
    assert (tdp3["skills"]["all_five"], tdp3["skills"]["all_five_in_range"]) == (1, 0)
    assert (tdp3["handoffs"]["requested"], tdp3["handoffs"]["cancelled"]) == (1, 1)
    assert tdp3["handoffs"]["by_member"] == []


def test_csv_has_skills_and_handoffs(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    response = get(seeded, token, path="/admin/stats.csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    found = {(r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert found[("skills", "all_five", "")] == "4"
    assert found[("skills", "skills.residents_passed", "online_shopping")] == "4"
    assert found[("skills", "by_village.households_mastered", "Thôn Đông")] == "1"
    assert found[("skills", "by_village.households_total", "Thôn Đông")] == "312"
    assert found[("skills", "by_village.coverage", "Tổ dân phố 3")] == "0.0041"
    assert found[("skills", "by_village.coverage", "Chưa rõ thôn")] == ""
    assert found[("handoffs", "median_minutes_to_accept", "")] == "10.0"
    assert found[("handoffs", "by_village.requested", "Thôn Đông")] == "2"
    assert found[("handoffs", "by_member.accepted", "Trần Văn Hùng")] == "2"
    assert found[("handoffs", "by_member.median_minutes_to_accept", "Lê Thị Mai")] == "20.0"


def test_broadcast_figures(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    b = get(seeded, token).json()["broadcasts"]
    figures = {k: v for k, v in b.items() if not k.startswith("by_")}
    assert figures == {
        "campaigns": 2,
        "deliveries": 10,
        "sent": 7,
        "failed": 1,
        "skipped": 1,
        "pending": 1,
        "delivery_rate": 0.7778,
        "relays_sent": 2,
        "relay_confirmed": 1,
        "relay_confirm_rate": 0.5,
        "seen": 2,
    }
    kinds = {k["type"]: k for k in b["by_kind"]}
    assert (kinds["group"]["sent"], kinds["group"]["failed"], kinds["group"]["delivery_rate"]) == (
        3,
        1,
        0.75,
    )
    assert (kinds["relay"]["sent"], kinds["relay"]["relay_confirm_rate"]) == (2, 0.5)
    followers = kinds["followers"]
    assert (followers["sent"], followers["skipped"], followers["pending"]) == (2, 1, 1)
    assert followers["delivery_rate"] == 0.6667
    campaigns = {c["campaign"]: c for c in b["by_campaign"]}
    assert list(campaigns) == ["Ngày hội DVC", "Cảnh báo lừa đảo"]
    dvc = campaigns["Ngày hội DVC"]
    assert (dvc["sent"], dvc["failed"], dvc["skipped"], dvc["relay_confirmed"]) == (5, 1, 1, 1)
    assert dvc["delivery_rate"] == 0.7143
    scam = campaigns["Cảnh báo lừa đảo"]
    assert (scam["sent"], scam["pending"], scam["delivery_rate"], scam["seen"]) == (2, 1, 1.0, 1)
    villages = {v["village"]: v for v in b["by_village"]}
    assert list(villages) == [
        "Thôn Đông",
        "Thôn Trung Hòa",
        "Bản Nà Lầy",
        "Tổ dân phố 3",
        "Nhóm chung của xã",
    ]
    east = villages["Thôn Đông"]
    assert (east["sent"], east["skipped"], east["delivery_rate"], east["seen"]) == (3, 1, 0.75, 1)
    trung = villages["Thôn Trung Hòa"]
    assert (trung["sent"], trung["relays_sent"], trung["relay_confirmed"]) == (2, 1, 1)
    nalay = villages["Bản Nà Lầy"]
    assert (nalay["relays_sent"], nalay["relay_confirmed"], nalay["relay_confirm_rate"]) == (
        1,
        0,
        0.0,
    )
    tdp3 = villages["Tổ dân phố 3"]
    assert (tdp3["failed"], tdp3["pending"], tdp3["delivery_rate"]) == (1, 1, 0.0)
    assert villages["Nhóm chung của xã"]["sent"] == 1


def test_broadcasts_follow_the_token_scope(seeded: Live) -> None:
    leader = make_token(seeded.runtime.engine, role="leader", villages=["thon-dong"])
    b = get(seeded, leader).json()["broadcasts"]
    assert (b["campaigns"], b["deliveries"], b["sent"], b["skipped"]) == (2, 4, 3, 1)
    assert b["delivery_rate"] == 0.75
    assert [v["village"] for v in b["by_village"]] == ["Thôn Đông"]
    official = make_token(seeded.runtime.engine)
    tdp3 = get(seeded, official, village="tdp-3").json()["broadcasts"]
    assert (tdp3["campaigns"], tdp3["failed"], tdp3["pending"], tdp3["delivery_rate"]) == (
        2,
        1,
        1,
        0.0,
    )
    assert [c["campaign"] for c in tdp3["by_campaign"]] == ["Ngày hội DVC", "Cảnh báo lừa đảo"]


def test_csv_has_broadcasts(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    response = get(seeded, token, path="/admin/stats.csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    found = {(r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert found[("broadcasts", "delivery_rate", "")] == "0.7778"
    assert found[("broadcasts", "by_campaign.sent", "Ngày hội DVC")] == "5"
    assert found[("broadcasts", "by_village.relay_confirmed", "Thôn Trung Hòa")] == "1"


def test_the_village_table_counts_each_active_resident_once_by_their_village(
    seeded: Live,
) -> None:
    r = get(seeded, make_token(seeded.runtime.engine), **{"from": "2026-11-10", "to": "2026-11-13"})
    activity = r.json()["activity"]
    rows = {v["village"]: v["active_residents"] for v in activity["by_village"]}
    # Every village has a row, and the rows add up to the residents active in the range.
    assert {"Thôn Đông", "Thôn Trung Hòa", "Bản Nà Lầy", "Tổ dân phố 3"} <= set(rows)
    assert sum(rows.values()) == activity["active_residents"]["whole_range"]
