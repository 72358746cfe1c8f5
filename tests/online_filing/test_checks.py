"""`bot content check` for online filing: the 25 paperless procedures of Chỉ thị 24/CT-TTg must
each have an online-first card and a guided family; a missing or counter-first card fails."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.features.online_filing.checks import content_problems
from bot.features.online_filing.content import EXPECTED_PROCEDURES, ct24, families
from bot.features.procedures.service import ProcedureService

CONTENT_DIR = Path(__file__).resolve().parents[2] / "bot" / "content"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    for part in ("procedures", "online_filing", "flows"):
        shutil.copytree(CONTENT_DIR / part, target / part)
    return target


def _clear_caches() -> None:
    ct24.cache_clear()
    families.cache_clear()


def test_the_real_content_lists_25_online_first_procedures() -> None:
    assert content_problems(CONTENT_DIR) == []
    listed = [e.code for e in ct24(CONTENT_DIR).procedures]
    assert len(set(listed)) == EXPECTED_PROCEDURES == 25
    catalogue = ProcedureService.load(CONTENT_DIR, None).catalogue
    for code in listed:
        card = catalogue.get(code)
        assert card is not None, code
        assert card.channels[0].kind == "truc_tuyen" and card.channels[0].note, code
        assert card.ready and card.reviewed is not None, code
        assert any(c.kind == "truc_tiep" for c in card.channels), code
    # The directive's named groups are there: civil status, residence, land, judicial record.
    for code in (
        "1.001193",
        "1.000656",
        "1.000894",
        "2.000986",
        "1.006714",
        "1.004222",
        "1.003677",
        "2.001159",
        "1.013831",
        "3.000333",
        "1.012566",
    ):
        assert code in listed


def problems_after(
    content: Path, file: str, code: str, change: Callable[[dict], None]
) -> list[str]:
    """The check's problems once `change` has edited one card of a content copy."""
    path = content / "procedures" / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(p for p in data["procedures"] if p["code"] == code))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _clear_caches()
    problems = content_problems(content)
    _clear_caches()
    return problems


def _drop_card(content: Path, code: str) -> None:
    for path in (content / "procedures").glob("[a-z]*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        kept = [p for p in data["procedures"] if p["code"] != code]
        if len(kept) != len(data["procedures"]):
            data["procedures"] = kept
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            return
    raise AssertionError(code)


def test_a_missing_card_fails(content: Path) -> None:
    _clear_caches()
    _drop_card(content, "1.013831")
    problems = content_problems(content)
    _clear_caches()
    assert any("1.013831 has no card" in p for p in problems)


def test_a_counter_first_card_fails(content: Path) -> None:
    problems = problems_after(
        content, "ho_tich.yaml", "1.001193", lambda c: c["channels"].reverse()
    )
    assert "online_filing: 1.001193: the online channel must come first" in problems


def test_a_card_without_what_to_have_ready_fails(content: Path) -> None:
    def strip(card: dict) -> None:
        del card["ready"]
        del card["channels"][0]["note"]

    problems = problems_after(content, "cu_tru.yaml", "2.001159", strip)
    assert any("2.001159: no 'ready' list" in p for p in problems)
    assert any("2.001159: the online channel has no note" in p for p in problems)


def test_a_list_short_of_25_fails(content: Path) -> None:
    path = content / "online_filing" / "ct24.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["procedures"] = data["procedures"][:-1]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _clear_caches()
    problems = content_problems(content)
    _clear_caches()
    assert any("lists 24 distinct procedures" in p for p in problems)


def test_a_paperless_procedure_without_a_family_fails(content: Path) -> None:
    path = content / "online_filing" / "families.yaml"
    text = path.read_text(encoding="utf-8").replace("    - '1.006714'\n", "")
    path.write_text(text, encoding="utf-8")
    _clear_caches()
    problems = content_problems(content)
    _clear_caches()
    assert "online_filing: Chỉ thị 24 procedure 1.006714 has no guided family" in problems


def test_a_card_that_names_the_counter_first_fails(content: Path) -> None:
    problems = problems_after(content, "ho_tich.yaml", "1.000894", lambda c: c["where"].reverse())
    assert "online_filing: 1.000894: the first place in 'where' must be the online one" in problems
