"""Known-answer figures: per member, team and village over a period, and the households'
5-skills coverage from the residents' quizzes and the members' records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.features.fieldwork.figures import figures
from bot.features.skills.lessons import skill_list
from db import org as org_db
from db.session import read_scope
from tests.fieldwork.conftest import org  # noqa: F401 (fixture)
from tests.fieldwork.seed import MAI, TZ, seed

DECEMBER = (datetime(2026, 12, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ))
SKILLS = [s for s, _ in skill_list(Settings().content_dir)]


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(r[key]): r for r in rows}


@pytest.fixture
def december(org: Engine) -> dict[str, Any]:  # noqa: F811
    seed(org)
    with read_scope(org) as s:
        return figures(s, start=DECEMBER[0], end=DECEMBER[1], skills=SKILLS)


def test_totals(december: dict[str, Any]) -> None:
    assert december["total"] == {
        "visits": 5,
        "households": 4,
        "people": 2,
        "skills_taught": 2,
        "vneid_installed": 2,
        "vneid_level2": 2,
        "filings": 1,
        "mastered": 3,
        "cashless": 1,
        "shop": 0,
        "scam": 1,
        "newly_covered": 2,
    }


def test_per_member(december: dict[str, Any]) -> None:
    members = _by(december["by_member"], "name")
    mai, hung, panh = members["Lê Thị Mai"], members["Trần Văn Hùng"], members["Lò Văn Pánh"]
    assert (mai["visits"], mai["households"], mai["vneid_level2"], mai["filings"]) == (3, 3, 1, 1)
    assert (mai["skills_taught"], mai["newly_covered"], mai["people"]) == (2, 1, 2)
    assert (hung["visits"], hung["households"], hung["newly_covered"]) == (1, 1, 1)
    assert (panh["visits"], panh["vneid_level2"], panh["newly_covered"]) == (1, 1, 0)
    # Everyone in the commune is listed, with nothing recorded too.
    assert members["Nguyễn Thị Lan"]["visits"] == 0 and members["Phạm Quốc Bảo"]["visits"] == 0


def test_per_village_and_team(december: dict[str, Any]) -> None:
    villages = _by(december["by_village"], "code")
    dong = villages["thon-dong"]
    assert (dong["visits"], dong["households"], dong["newly_covered"]) == (3, 2, 1)
    assert villages["thon-trung-hoa"]["newly_covered"] == 1
    assert villages["tdp-3"]["visits"] == 0
    teams = _by(december["by_team"], "leader")
    assert teams["Trần Văn Hùng"]["villages"] == ["Thôn Đông"]
    assert (teams["Trần Văn Hùng"]["members"], teams["Trần Văn Hùng"]["visits"]) == (2, 3)
    assert teams["Lò Văn Pánh"]["visits"] == 1
    # Bảo's team works in Tổ dân phố 3 and Trung Hòa, where Mai recorded Cường's household.
    assert (teams["Phạm Quốc Bảo"]["visits"], teams["Phạm Quốc Bảo"]["newly_covered"]) == (1, 1)


def test_coverage_from_both_sources(december: dict[str, Any]) -> None:
    cov = december["coverage"]
    dong = _by(cov["by_village"], "code")["thon-dong"]
    # Quizzes: An. Records: An (record 1), Bình (record 4), Em (November).
    assert (dong["from_quizzes"], dong["from_records"], dong["in_both"], dong["together"]) == (
        1,
        3,
        1,
        3,
    )
    assert dong["coverage"] == round(3 / 312, 4)
    assert (cov["from_quizzes"], cov["from_records"], cov["together"]) == (1, 4, 4)
    assert cov["households_total"] == 312 + 428 + 156 + 245


def test_a_member_only_and_a_village_only(org: Engine) -> None:  # noqa: F811
    seed(org)
    with read_scope(org) as s:
        mai = org_db.member_by_zalo_id(s, zalo_user_id=MAI)
        assert mai is not None and mai.id is not None
        own = figures(s, start=DECEMBER[0], end=DECEMBER[1], skills=SKILLS, members={mai.id})
        dong_id = next(v.id for v in org_db.villages(s) if v.code == "thon-dong")
        dong = figures(s, start=DECEMBER[0], end=DECEMBER[1], skills=SKILLS, villages={dong_id})
        november = figures(
            s, start=datetime(2026, 11, 1, tzinfo=TZ), end=DECEMBER[0], skills=SKILLS
        )
    assert [m["name"] for m in own["by_member"]] == ["Lê Thị Mai"]
    assert (own["total"]["visits"], own["total"]["newly_covered"]) == (3, 1)
    assert dong["total"]["visits"] == 3 and [v["code"] for v in dong["by_village"]] == ["thon-dong"]
    assert {m["name"] for m in dong["by_member"]} == {"Trần Văn Hùng", "Lê Thị Mai"}
    # November: Em's household, the first time it counted.
    assert (november["total"]["visits"], november["total"]["newly_covered"]) == (1, 1)
