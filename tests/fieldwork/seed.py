"""Known records for the figures tests: five in December 2026 (Vietnam time), one in
November, and a resident of Thôn Đông who passed every skill's quiz on 1 December.

    #  member  village     household            what                                   day
    1  Mai     Thôn Đông   nguyen van an        VNeID mức 2, mastered                  02/12
    2  Mai     Thôn Đông   Trần Thị Bình        filing (khai sinh), 2 skills, 2 people 03/12
    3  Mai     Trung Hòa   Lê Văn Cường         mastered, VNeID installed              04/12
    4  Hùng    Thôn Đông   Trần thị  bình       mastered, scam                         05/12
    5  Pánh    Bản Nà Lầy  Lò Văn Dũng          VNeID installed + mức 2, cashless      06/12
    6  Mai     Thôn Đông   Phạm Văn Em          mastered                               20/11

The household "Nguyễn Văn An" counted from the resident's quizzes on 01/12, before record 1;
records 3 and 4 are the first time their households counted: newly covered by Mai and Hùng.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.config import Settings
from bot.features.fieldwork.records import Help, record
from bot.features.skills.lessons import skill_list
from db import org as org_db
from db import skills as skill_rows
from db.models import Resident
from db.session import session_scope

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAI = "7000000000000000003"
HUNG = "7000000000000000002"
PANH = "7000000000000000004"


def at(day: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def seed(engine: Engine) -> None:
    skills = [s for s, _ in skill_list(Settings().content_dir)]
    with session_scope(engine) as s:
        villages = {v.code: v.id for v in org_db.villages(s)}
        resident = Resident(
            zalo_user_id="2000000000000000001",
            village_id=villages["thon-dong"],
            household_key="Nguyễn Văn An",
        )
        s.add(resident)
        s.flush()
        assert resident.id is not None
        for skill in skills:
            skill_rows.record_attempt(
                s,
                resident_id=resident.id,
                skill=skill,
                score=5,
                questions=5,
                passed=True,
                now=at(1),
            )
        rows = [
            (MAI, "thon-dong", "nguyen van an", Help(("vneid_level2", "mastered")), at(2)),
            (
                MAI,
                "thon-dong",
                "Trần Thị Bình",
                Help(("filing", "skills"), skills[:2], "Đăng ký khai sinh", 2),
                at(3),
            ),
            (MAI, "thon-trung-hoa", "Lê Văn Cường", Help(("mastered", "vneid_installed")), at(4)),
            (HUNG, "thon-dong", "Trần thị  bình", Help(("scam", "mastered")), at(5)),
            (
                PANH,
                "ban-na-lay",
                "Lò Văn Dũng",
                Help(("vneid_installed", "vneid_level2", "cashless")),
                at(6),
            ),
            (MAI, "thon-dong", "Phạm Văn Em", Help(("mastered",)), at(20, 11)),
        ]
        for zalo_id, village, household, done, when in rows:
            member = org_db.member_by_zalo_id(s, zalo_user_id=zalo_id)
            assert member is not None
            record(
                s,
                member=member,
                village_id=villages[village],
                household=household,
                help=done,
                now=when,
                tz=TZ,
            )
