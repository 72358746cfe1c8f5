"""Search: diacritics, typos, dialect spellings, synonyms, ranking, and the quality floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.procedures.catalogue import Catalogue
from bot.features.procedures.evaluation import (
    DEFAULT_QUERIES,
    catalogue_with_dataset,
    evaluate,
    load_queries,
)
from bot.features.procedures.model import CODE_RE, Procedure
from bot.features.procedures.search import Lexicon, ProcedureIndex, loose, name_head
from tests.procedures.conftest import CONTENT_DIR

TOP1_FLOOR = 0.85
TOP3_FLOOR = 0.95


def top(index: ProcedureIndex, query: str) -> str | None:
    hits = index.search(query, limit=3)
    return hits[0].code if hits else None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # diacritics or none, capitals, punctuation
        ("Làm giấy khai sinh cho con cần gì?", "1.001193"),
        ("lam giay khai sinh cho con can gi", "1.001193"),
        ("LÀM GIẤY KHAI SINH!!!", "1.001193"),
        ("đăng ký tạm trú", "1.004194"),
        ("dang ky tam tru", "1.004194"),
        # typos and dialect spellings
        ("khia sinh cho con", "1.001193"),
        ("dang ki tam chu", "1.004194"),
        ("đăng ký thường chú", "1.004222"),
        ("khaisinh", "1.001193"),
        ("xac nhan doc tan", "1.004873"),
        # synonyms and abbreviations
        ("nhap ho khau cho vo", "1.004222"),
        ("xin giấy xác nhận độc thân", "1.004873"),
        ("làm sổ đỏ", "1.013978"),
        ("mất CCCD làm lại ở đâu", "1.014064"),
        ("mất căn cước làm lại ở đâu", "1.014064"),
        ("nộp giấy chứng sinh của con ở đâu", "1.001193"),
        ("mua BHYT cho cả nhà", "1.001939"),
        ("xin LLTP", "3.000333"),
        ("đổi GPLX", "3.000347"),
        ("tách khẩu ra ở riêng", "1.010038"),
        ("công chứng giấy tờ photo", "2.000815"),
    ],
)
def test_finds_the_procedure(curated_index: ProcedureIndex, query: str, code: str) -> None:
    assert top(curated_index, query) == code


def test_scores_are_in_unit_range_and_sorted(curated_index: ProcedureIndex) -> None:
    hits = curated_index.search("đăng ký khai sinh cho con", limit=10)
    assert 1 < len(hits) <= 10
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert hits[0].name == "Đăng ký khai sinh"


def test_limit_and_empty_queries(curated_index: ProcedureIndex) -> None:
    assert curated_index.search("khai sinh", limit=1)[0].code == "1.001193"
    assert curated_index.search("khai sinh", limit=0) == []
    assert curated_index.search("") == []
    assert curated_index.search("   ?!  ") == []
    assert curated_index.search("cho mình hỏi với ạ") == []


def test_unrelated_text_finds_nothing_or_scores_low(curated_index: ProcedureIndex) -> None:
    hits = curated_index.search("giá vàng hôm nay bao nhiêu")
    assert all(h.score < 0.4 for h in hits)


def test_exact_short_name_beats_longer_relatives() -> None:
    def proc(code: str, name: str) -> Procedure:
        return Procedure(code=code, name=name, source="test", origin="imported")

    index = ProcedureIndex.build(
        [
            proc("9.000001", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài"),
            proc("9.000002", "Thủ tục đăng ký khai sinh"),
            proc("9.000003", "Thủ tục đăng ký lại khai sinh"),
        ],
        Lexicon.load(CONTENT_DIR),
    )
    assert [h.code for h in index.search("đăng ký khai sinh")][:1] == ["9.000002"]
    assert top(index, "khai sinh cho con có bố người nước ngoài") == "9.000001"
    assert top(index, "dang ky lai khai sinh") == "9.000003"


def test_curated_aliases_win_over_imported_names_for_the_same_code() -> None:
    imported = Procedure(
        code="9.000010", name="Cấp bản sao trích lục", source="t", origin="imported"
    )
    curated = imported.model_copy(update={"aliases": ["mất giấy khai sinh"], "origin": "curated"})
    without = ProcedureIndex.build([imported], Lexicon())
    with_alias = ProcedureIndex.build([curated], Lexicon())
    assert without.search("mất giấy khai sinh") == []
    assert top(with_alias, "mat giay khai sinh") == "9.000010"


def test_helpers() -> None:
    assert loose("truc") == "chut"
    assert loose("ky") == "ki"
    assert loose("thuong") == "thuon"
    assert name_head("Cấp giấy phép xây dựng mới đối với công trình cấp III") == (
        "Cấp giấy phép xây dựng mới"
    )
    assert name_head("Tách hộ") == "Tách hộ"


# -- the labelled query set -------------------------------------------------------------------


def test_query_set_is_large_and_well_formed() -> None:
    queries = load_queries(DEFAULT_QUERIES)
    assert len(queries) >= 200
    assert all(CODE_RE.fullmatch(q.code) for q in queries)
    assert len({q.query for q in queries}) == len(queries)
    without_marks = [q for q in queries if q.query.isascii()]
    assert len(without_marks) >= 60  # typed without diacritics


def test_quality_floors_on_curated_content(
    curated_index: ProcedureIndex, curated_catalogue: Catalogue
) -> None:
    result = evaluate(curated_index, curated_catalogue, load_queries(DEFAULT_QUERIES))
    assert result.evaluated >= 200
    assert result.top1_rate >= TOP1_FLOOR, result.misses
    assert result.top3_rate >= TOP3_FLOOR, result.misses


def test_quality_floors_with_the_national_catalogue(dataset_path: Path, lexicon: Lexicon) -> None:
    with catalogue_with_dataset(CONTENT_DIR, dataset_path) as (catalogue, report):
        assert report is not None and report.accepted == 588
        index = ProcedureIndex.build(catalogue.values(), lexicon)
        result = evaluate(index, catalogue, load_queries(DEFAULT_QUERIES))
    assert result.skipped == 0
    assert result.top1_rate >= TOP1_FLOOR, result.misses
    assert result.top3_rate >= TOP3_FLOOR, result.misses
