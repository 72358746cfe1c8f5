"""Villages and households for the target "mỗi hộ gia đình có ít nhất 1 người thành thạo
5 kỹ năng số cơ bản": matching a typed village name, checking a household name, counting.

A household is named by the resident: a code the village gave out, or the head of the
household's name. It is never an ID or phone number: anything with a run of 9 or more digits
is refused. Households are counted per village by their folded name, so "Nguyễn Văn An"
and "nguyen van an" typed by two members of one family count once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from rapidfuzz import fuzz
from sqlmodel import Session

from bot.text.normalize import fold, nfc, normalize
from db import skills as skill_rows
from db.models import Village

MAX_KEY = 80
FUZZY_MIN = 85
# Digits typed with spaces, dots or dashes between groups still count as one number.
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d)*")
_LETTER = re.compile(r"[^\W\d_]")
# What `bot.text.privacy.redact` leaves where it masked a secret ("[đã ẩn số định danh]").
_MASKED = "[đã ẩn"


class HouseholdProblem(Enum):
    ID_LIKE = "id_like"  # looks like an ID card, phone or card number
    NO_NAME = "no_name"  # nothing that reads as a name or a code


@dataclass(frozen=True)
class HouseholdAnswer:
    key: str | None
    problem: HouseholdProblem | None = None


def check_household(text: str) -> HouseholdAnswer:
    """The household name to store, or why the text cannot be one."""
    cleaned = " ".join(nfc(text).replace("<", " ").replace(">", " ").split()).strip(" \"'“”")
    if _MASKED in cleaned:
        return HouseholdAnswer(None, HouseholdProblem.ID_LIKE)
    for run in _DIGIT_RUN.findall(cleaned):
        if sum(ch.isdigit() for ch in run) >= 9:
            return HouseholdAnswer(None, HouseholdProblem.ID_LIKE)
    if len(_LETTER.findall(cleaned)) < 2 or len(cleaned) > MAX_KEY:
        return HouseholdAnswer(None, HouseholdProblem.NO_NAME)
    return HouseholdAnswer(cleaned)


@lru_cache(maxsize=1 << 16)
def household_id(key: str) -> str:
    """What makes two typed household names the same household (cached: the statistics
    fold every master's household name on each report)."""
    return " ".join(fold(key).replace("-", " ").split())


def match_village(text: str, villages: Sequence[Village]) -> Village | None:
    """The village a typed name means: its name or an alias, whole or inside the text
    ("tôi ở thôn Đông"), or close to one of them despite a typo."""
    typed = normalize(text)
    if not typed:
        return None
    names: list[tuple[str, Village]] = []
    for village in villages:
        spellings = [village.name, *village.aliases.split(",")]
        names.extend((normalize(s), village) for s in spellings if normalize(s))
    exact = {v.id for name, v in names if name == typed}
    if len(exact) == 1:
        return next(v for name, v in names if name == typed)
    padded = f" {typed} "
    inside = sorted(
        ((name, v) for name, v in names if f" {name} " in padded),
        key=lambda pair: -len(pair[0]),
    )
    if inside:
        longest = len(inside[0][0])
        found = {v.id for name, v in inside if len(name) == longest}
        if len(found) == 1:
            return inside[0][1]
    scored = sorted(((fuzz.ratio(typed, name), v) for name, v in names), key=lambda p: -p[0])
    if scored and scored[0][0] >= FUZZY_MIN:
        best = scored[0][0]
        if len({v.id for score, v in scored if score == best}) == 1:
            return scored[0][1]
    return None


@dataclass(frozen=True)
class VillageMastery:
    """Residents of one village (None: not told) who mastered every skill, and their homes."""

    village_id: int | None
    residents: int
    # Distinct households with at least one resident who mastered every skill.
    households: int
    # Residents who mastered every skill but did not name their household.
    without_household: int


def mastery_by_village(
    session: Session,
    *,
    skills: Collection[str],
    village_id: int | None = None,
    villages: Collection[int] | None = None,
    masters: Iterable[skill_rows.Master] | None = None,
) -> list[VillageMastery]:
    """Per village: who mastered every skill in `skills`, counted as residents and households
    (`masters`: rows already read with `db.skills.masters`, to avoid reading them twice)."""
    per_village: dict[int | None, tuple[int, set[str], int]] = {}
    if masters is None:
        masters = skill_rows.masters(
            session, skills=skills, village_id=village_id, villages=villages
        )
    for master in masters:
        residents, homes, unnamed = per_village.get(master.village_id, (0, set(), 0))
        if master.household_key:
            homes.add(household_id(master.household_key))
        else:
            unnamed += 1
        per_village[master.village_id] = (residents + 1, homes, unnamed)
    return [
        VillageMastery(
            village_id=vid, residents=count, households=len(homes), without_household=unnamed
        )
        for vid, (count, homes, unnamed) in sorted(
            per_village.items(), key=lambda item: (item[0] is None, item[0] or 0)
        )
    ]
