"""The `online_filing` section: known answers in the report, the CSV and the dashboard."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import Engine

from bot.feature import sections_of
from bot.features.enabled import FEATURES
from bot.reporting import build_report, rows_for_csv
from db import online_filing as rows
from db.models import HandoffTicket, Resident, Village
from db.session import session_scope
from tests.live import Live
from tests.stats.test_api import make_token

DAY1 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
DAY2 = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)


def seed(engine: Engine) -> None:
    """Four filings: two birth registrations in Thôn A (one done, one stuck at step 2 and
    handed to the team, ticket resolved), one temporary residence in Thôn B stuck at step 3
    (followed up), one judicial record with no village, cancelled at step 1."""
    with session_scope(engine) as s:
        a, b = Village(code="a", name="Thôn A"), Village(code="b", name="Thôn B")
        s.add_all([a, b])
        s.flush()
        people = [Resident(zalo_user_id=str(i)) for i in range(4)]
        s.add_all(people)
        s.flush()
        ids = [p.id or 0 for p in people]
        one = rows.start(
            s,
            resident_id=ids[0],
            village_id=a.id,
            flow="nop_ho_tich",
            procedure="1.001193",
            step="check",
            now=DAY1,
        )
        for i in range(1, 6):
            rows.at_step(s, one, step=f"buoc_{i}", index=i, now=DAY1)
        rows.complete(s, one, now=DAY2)
        two = rows.start(
            s,
            resident_id=ids[1],
            village_id=a.id,
            flow="nop_ho_tich",
            procedure="1.001193",
            step="check",
            now=DAY1,
        )
        rows.at_step(s, two, step="buoc_1", index=1, now=DAY1)
        rows.at_step(s, two, step="buoc_2", index=2, now=DAY1)
        rows.stuck(s, two, step="buoc_2", now=DAY1)
        ticket = HandoffTicket(
            resident_id=ids[1],
            village_id=a.id,
            need="x",
            status="resolved",
            created_at=DAY1,
            resolved_at=DAY2,
        )
        s.add(ticket)
        s.flush()
        rows.set_ticket(s, two, ticket_id=ticket.id)
        three = rows.start(
            s,
            resident_id=ids[2],
            village_id=b.id,
            flow="nop_cu_tru",
            procedure="1.004194",
            step="check",
            now=DAY2,
        )
        for i in range(1, 4):
            rows.at_step(s, three, step=f"buoc_{i}", index=i, now=DAY2)
        rows.mark_followed_up(s, three, now=DAY2)
        four = rows.start(
            s,
            resident_id=ids[3],
            village_id=None,
            flow="nop_ly_lich_tu_phap",
            procedure="3.000333",
            step="check",
            now=DAY2,
        )
        rows.at_step(s, four, step="buoc_1", index=1, now=DAY2)
        rows.cancel(s, four, now=DAY2)


def report(engine: Engine, villages: frozenset[int] | None = None) -> dict:
    with session_scope(engine) as s:
        return build_report(
            s,
            first=date(2026, 3, 10),
            last=date(2026, 3, 11),
            villages=villages,
            sections=sections_of(FEATURES),
        )


def test_known_answers(engine: Engine) -> None:
    seed(engine)
    section = report(engine)["online_filing"]
    assert {
        k: section[k]
        for k in ("started", "completed", "cancelled", "stuck", "followed_up", "handed", "resolved")
    } == {
        "started": 4,
        "completed": 1,
        "cancelled": 1,
        "stuck": 2,
        "followed_up": 1,
        "handed": 1,
        "resolved": 1,
    }
    birth = next(p for p in section["by_procedure"] if p["code"] == "1.001193")
    assert [(s["step"], s["reached"], s["stuck"]) for s in birth["steps"]] == [
        ("buoc_1", 2, 0),
        ("buoc_2", 2, 1),
        ("buoc_3", 1, 0),
        ("buoc_4", 1, 0),
        ("buoc_5", 1, 0),
    ]
    residence = next(p for p in section["by_procedure"] if p["code"] == "1.004194")
    assert [s["stuck"] for s in residence["steps"]] == [0, 0, 1, 0, 0]
    villages = {
        v["village"]: (v["started"], v["completed"], v["handed"]) for v in section["by_village"]
    }
    assert villages == {"Thôn A": (2, 1, 1), "Thôn B": (1, 0, 0), "Chưa rõ thôn": (1, 0, 0)}
    assert section["by_day"] == [
        {"date": "2026-03-10", "started": 2, "completed": 0},
        {"date": "2026-03-11", "started": 2, "completed": 1},
    ]


def test_village_filter_and_csv(engine: Engine) -> None:
    seed(engine)
    full = report(engine)
    only_b = report(engine, frozenset({2}))["online_filing"]
    assert (only_b["started"], only_b["stuck"], only_b["handed"]) == (1, 1, 0)
    csv_rows = [r for r in rows_for_csv(full) if r[0] == "online_filing"]
    assert ("online_filing", "started", "", 4) in csv_rows
    assert ("online_filing", "by_procedure.1.001193.steps.stuck", "buoc_2", 1) in csv_rows
    assert ("online_filing", "by_village.handed", "Thôn A", 1) in csv_rows


def test_dashboard_shows_the_funnel_with_names(live: Live) -> None:
    seed(live.runtime.engine)
    token = make_token(live.runtime.engine)
    with httpx.Client(base_url=live.url, cookies={"bot_admin": token}) as http:
        page = http.get("/admin/dashboard", params={"from": "2026-03-10", "to": "2026-03-11"})
        csv = http.get("/admin/stats.csv", params={"from": "2026-03-10", "to": "2026-03-11"})
    assert page.status_code == 200 and csv.status_code == 200
    html = page.text
    assert "4 lượt bắt đầu, 1 tự báo đã nộp xong, 1 dừng giữa chừng, 2 bị kẹt" in html
    # Birth registration: step 2 reached by both filings, one stuck there.
    row = re.search(r'<tr data-procedure="1.001193" data-step="buoc_2">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "<td>Đăng ký khai sinh</td><td>2. Tìm đúng thủ tục</td>" in row.group(1)
    assert re.findall(r'<td class="n">([^<]*)</td>', row.group(1)) == ["2", "1"]
    chart = re.search(r'<svg[^>]*id="chart-online-filing-stuck".*?</svg>', html, re.S)
    assert chart is not None
    bars = dict(re.findall(r'data-label="([^"]+)" data-value="([^"]+)"', chart.group(0)))
    assert bars == {
        "Đăng ký khai sinh · Tìm đúng thủ tục": "1",
        "Đăng ký tạm trú · Chọn Công an xã và khai thông tin": "1",
    }
    table = re.search(r'<table id="online-filing-villages">(.*?)</table>', html, re.S)
    assert table is not None
    village = re.search(r"<td>Thôn A</td>(.*?)</tr>", table.group(1), re.S)
    assert village is not None
    assert re.findall(r'<td class="n">([^<]*)</td>', village.group(1)) == ["2", "1", "1", "1", "1"]
    assert "online_filing,by_procedure.1.001193.steps.stuck,buoc_2,1" in csv.text.replace("\r", "")
