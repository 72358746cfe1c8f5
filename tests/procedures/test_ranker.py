"""The learned ranker blended into the procedure search, on the team's own lay-wording set.

`data/lay_heldout.jsonl` is written by the team for this test only: never used to teach.
Its questions mostly do not name the procedure ("bà cố mất tối qua", "muốn tách sổ ra ở
riêng"); the search must find the right code, and the lookup chat uses must never commit
to a wrong card.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import PACKAGE_DIR
from bot.features.procedures.ranker import prepare
from bot.features.procedures.runtime import lookup_for
from bot.features.procedures.service import ProcedureService

HELDOUT = Path(__file__).parent / "data" / "lay_heldout.jsonl"
TOP1_FLOOR = 0.88
TOP3_FLOOR = 0.88
COMMIT_FLOOR = 0.7


@pytest.fixture(scope="module")
def service() -> ProcedureService:
    return ProcedureService.load(PACKAGE_DIR / "content", None)


def _heldout() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines()]
    return [(row["query"], row["code"]) for row in rows]


def test_the_ranker_is_taught_from_content(service: ProcedureService) -> None:
    assert service.ranker is not None
    assert set(service.ranker.codes) == {p.code for p in service.catalogue.curated()}


def test_lay_wording_reaches_the_right_procedure(service: ProcedureService) -> None:
    rows = _heldout()
    top1 = top3 = 0
    misses = []
    for query, code in rows:
        codes = [hit.code for hit in service.search(query, limit=3)]
        top1 += codes[:1] == [code]
        top3 += code in codes
        if codes[:1] != [code]:
            misses.append((query, code, codes))
    assert top1 / len(rows) >= TOP1_FLOOR, misses
    assert top3 / len(rows) >= TOP3_FLOOR, misses


def test_the_lookup_commits_often_and_never_to_a_wrong_card(service: ProcedureService) -> None:
    lookup = lookup_for(service)
    rows = _heldout()
    found = [(query, code, lookup(query)) for query, code in rows]
    wrong = [row for row in found if row[2] is not None and row[2] != row[1]]
    assert wrong == []
    assert sum(row[2] == row[1] for row in found) / len(rows) >= COMMIT_FLOOR


def test_unrelated_text_commits_to_nothing(service: ProcedureService) -> None:
    lookup = lookup_for(service)
    for text in ("giá vàng hôm nay bao nhiêu", "xổ số miền nam ra con gì", "chào em"):
        assert lookup(text) is None


def test_ages_are_read_as_bands() -> None:
    assert prepare("bé 4 tuổi").endswith("tuoiduoi6")
    assert prepare("con 10 tuoi").endswith("tuoiduoi14")
    assert prepare("ông 80 tuổi").endswith("tuoigia")
    assert prepare("làm căn cước") == "lam can cuoc"
