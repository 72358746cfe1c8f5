"""The fieldwork API over the real app: known figures, the CSV, and scopes (a member sees
their own work, a village leader their villages, officials everything; 403 outside)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.api.admin.auth import new_token
from db import admin as admin_rows
from db import org as org_db
from db.session import read_scope, session_scope
from db.types import utcnow
from tests.fieldwork.seed import HUNG, MAI, seed
from tests.live import Live

DECEMBER = {"from": "2026-12-01", "to": "2026-12-31"}


def token(
    engine: Engine, role: str, villages: list[str] | None = None, member: str | None = None
) -> str:
    value = new_token()
    with session_scope(engine) as s:
        admin_rows.create_token(
            s,
            token=value,
            role=role,
            villages=villages or [],
            name="t",
            now=utcnow(),
            expires_at=utcnow() + timedelta(days=1),
            member_zalo_id=member,
        )
    return value


def get(live: Live, value: str, path: str = "/admin/fieldwork", **params: Any) -> Any:
    with live.client() as http:
        return http.get(
            path, params={**DECEMBER, **params}, headers={"Authorization": f"Bearer {value}"}
        )


@pytest.fixture
def seeded(live: Live) -> Live:
    seed(live.runtime.engine)
    return live


def member_id(engine: Engine, zalo_id: str) -> int:
    with read_scope(engine) as s:
        member = org_db.member_by_zalo_id(s, zalo_user_id=zalo_id)
        assert member is not None and member.id is not None
        return member.id


def test_an_official_sees_everything(seeded: Live) -> None:
    r = get(seeded, token(seeded.runtime.engine, "official"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["range"] == {"from": "2026-12-01", "to": "2026-12-31"}
    total = body["total"]
    assert (total["visits"], total["households"], total["vneid_level2"]) == (5, 4, 2)
    assert (total["filings"], total["skills_taught"], total["newly_covered"]) == (1, 2, 2)
    assert len(body["records"]) == 5 and "Lò Văn Dũng" in {x["household"] for x in body["records"]}
    assert body["coverage"]["together"] == 4
    # The same figures in the statistics report, as its `team_work` section.
    stats = get(seeded, token(seeded.runtime.engine, "official"), "/admin/stats").json()
    assert stats["team_work"]["total"] == total


def test_csv_tables(seeded: Live) -> None:
    official = token(seeded.runtime.engine, "official")
    r = get(seeded, official, "/admin/fieldwork.csv", table="ho-tro-can-bo")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Cán bộ", "Lượt hỗ trợ", "Số hộ", "Số người"]
    mai = next(row for row in rows if row[0] == "Lê Thị Mai")
    assert mai[1:4] == ["3", "3", "2"] and mai[-1] == "1"
    r = get(seeded, official, "/admin/fieldwork.csv", table="ho-dat-5-ky-nang-hai-nguon")
    dong = next(row for row in csv.reader(io.StringIO(r.text)) if row[0] == "Thôn Đông")
    assert dong[1:6] == ["312", "1", "3", "1", "3"]
    assert get(seeded, official, "/admin/fieldwork.csv", table="nope").status_code == 400
    # The same tables in the statistics CSV (the section's tables).
    r = get(seeded, official, "/admin/stats.csv", table="ho-tro-thon")
    assert r.status_code == 200 and "Thôn Đông" in r.text


def test_a_member_sees_their_own_work_only(seeded: Live) -> None:
    engine = seeded.runtime.engine
    mai = token(engine, "leader", ["thon-dong", "thon-trung-hoa"], member=MAI)
    body = get(seeded, mai).json()
    assert [m["name"] for m in body["by_member"]] == ["Lê Thị Mai"]
    assert body["total"]["visits"] == 3 and len(body["records"]) == 3
    assert get(seeded, mai, member=member_id(engine, MAI)).status_code == 200
    outside = get(seeded, mai, member=member_id(engine, HUNG))
    assert outside.status_code == 403 and "outside your scope" in outside.json()["detail"]
    assert get(seeded, mai, village="ban-na-lay").status_code == 403
    # The statistics report's section keeps the same rule: her own line, no team lines.
    team_work = get(seeded, mai, "/admin/stats").json()["team_work"]
    assert [m["name"] for m in team_work["by_member"]] == ["Lê Thị Mai"]
    assert team_work["by_team"] == []


def test_a_village_leader_sees_their_villages(seeded: Live) -> None:
    engine = seeded.runtime.engine
    hung = token(engine, "leader", ["thon-dong"], member=HUNG)
    body = get(seeded, hung).json()
    assert {v["code"] for v in body["by_village"]} == {"thon-dong"}
    assert body["total"]["visits"] == 3  # Mai's two and Hùng's own, all in Thôn Đông
    assert {m["name"] for m in body["by_member"]} == {"Trần Văn Hùng", "Lê Thị Mai"}
    assert get(seeded, hung, member=member_id(engine, MAI)).json()["total"]["visits"] == 2
    assert get(seeded, hung, village="ban-na-lay").status_code == 403
    panh = member_id(engine, "7000000000000000004")
    assert get(seeded, hung, member=panh).status_code == 403
    assert get(seeded, hung, village="nowhere").status_code == 400
    # A village-scoped official token: 403 outside its villages too.
    scoped = token(engine, "official", ["ban-na-lay"])
    assert get(seeded, scoped).json()["total"]["visits"] == 1
    assert get(seeded, scoped, village="thon-dong").status_code == 403
    with seeded.client() as http:
        assert http.get("/admin/fieldwork").status_code == 401


def test_the_dashboard_section(seeded: Live) -> None:
    official = token(seeded.runtime.engine, "official")
    with seeded.client() as http:
        http.cookies.set("bot_admin", official)
        page = http.get("/admin/dashboard", params=DECEMBER).text
    assert 'id="section-team-work"' in page
    assert 'id="fieldwork-visits">5<' in page and 'id="fieldwork-together">4<' in page
    assert '<td>Lê Thị Mai</td><td class="n">3</td><td class="n">3</td>' in page


def test_a_member_id_too_large_for_the_database_is_refused(seeded: Live) -> None:
    # Found by schemathesis: a 20-digit member id reached SQLite and gave a 500.
    official = token(seeded.runtime.engine, "official")
    for path in ("/admin/fieldwork", "/admin/fieldwork.csv"):
        r = get(seeded, official, path, member=10**19)
        assert r.status_code == 422, (path, r.status_code)
