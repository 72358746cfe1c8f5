"""The team's held-back labelled set: written apart from the examples that teach the model,
so it measures how the cues generalise. Targets of issue 15 on it, and the families it found."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.evaluate import has_link, read_rows
from tests.scam.conftest import CONTENT_DIR, codes

HELD_BACK = Path(__file__).parent / "data" / "team_labelled.tsv"


def test_held_back_set_meets_the_targets(analyzer: ScamAnalyzer) -> None:
    rows = read_rows(HELD_BACK)
    scams = [r for r in rows if r.scam]
    genuine = [r for r in rows if not r.scam]
    with_link = [r for r in scams if has_link(r.text)]
    without = [r for r in scams if not has_link(r.text)]
    assert len(with_link) >= 10 and len(without) >= 30 and len(genuine) >= 30
    missed = [r.kind for r in scams if not analyzer.check(r.text).is_scam]
    flagged = [r.kind for r in genuine if analyzer.check(r.text).is_scam]
    assert sum(analyzer.check(r.text).is_scam for r in with_link) / len(with_link) >= 0.9, missed
    assert sum(analyzer.check(r.text).is_scam for r in without) / len(without) >= 0.85, missed
    assert len(flagged) / len(genuine) <= 0.02, flagged


def test_held_back_set_is_not_taught() -> None:
    from bot.texts import load_yaml

    examples = load_yaml(CONTENT_DIR / "scam" / "examples.yaml")
    quiz = load_yaml(CONTENT_DIR / "scam" / "quiz.yaml")
    taught = {*examples["scam"], *examples["legit"], *(i["text"] for i in quiz["items"])}
    with HELD_BACK.open(encoding="utf-8") as handle:
        held = {row["text"] for row in csv.DictReader(handle, delimiter="\t")}
    assert not held & taught


@pytest.mark.parametrize(
    "text",
    [
        # A threat, then "call this number" in the name of BHXH.
        "BHXH thông báo hồ sơ lương hưu của bà sai lệch thông tin, sẽ bị ngừng chi trả, "
        "liên hệ ngay số 0243 118 2290",
        # A child's "new number" and a broken phone, then a transfer.
        "Mẹ ơi con đây, điện thoại con bị hỏng nên con dùng số mới, mẹ chuyển giúp con 4 triệu nhé",
        # An amount typed glued to its unit ("5tr").
        "a oi e la dong nghiep cua Nam, Nam bi tai nan dang cap cuu, "
        "a chuyen gap 5tr dong vien phi",
        # Import tax to receive a gift from abroad.
        "Hải quan báo có quà gửi từ nước ngoài cho ông, ông nộp thuế nhập khẩu 6 triệu để nhận",
        # "Contact comrade X at this number" in the police's name.
        "Cong an xa bao tai khoan dinh danh cua ba sap bi khoa, lien he dong chi Hai 0912 004 556",
        # A school asking for fees through an unknown site.
        "Nha truong thong bao phu huynh dong tien ban tru tai bantru-thcs.net truoc thu sau",
        # A "thank-you" gift to collect on an odd domain.
        "Chuc mung quy khach nhan 1 trieu tu chuong trinh tri an, nhan tai qua-tri-an.vip",
    ],
)
def test_families_the_held_back_set_found(analyzer: ScamAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    assert verdict.is_scam, [s.code for s in verdict.signals]


def test_security_notice_pointing_to_settings_is_genuine(analyzer: ScamAnalyzer) -> None:
    text = (
        "Tài khoản Zalo vừa đăng nhập trên máy khác. "
        "Nếu không phải bạn, đổi mật khẩu trong mục Cài đặt."
    )
    assert not analyzer.check(text).is_scam, codes(analyzer, text)
