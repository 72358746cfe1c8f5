"""Verdicts: the JSON contract, ordering of reasons, the team's examples, and hostile input."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from bot.features.scam.analyzer import ScamAnalyzer

EXAMPLES = Path(__file__).parent / "data" / "examples.csv"


def examples() -> list[tuple[str, str]]:
    with EXAMPLES.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


def check_contract(payload: dict[str, object]) -> None:
    assert set(payload) == {"risk", "is_scam", "signals", "advice"}
    assert payload["risk"] in {"high", "medium", "low"}
    assert isinstance(payload["is_scam"], bool)
    assert isinstance(payload["advice"], str) and payload["advice"]
    assert isinstance(payload["signals"], list)
    for signal in payload["signals"]:
        assert isinstance(signal, dict)
        assert set(signal) == {"code", "explanation"}
        assert isinstance(signal["code"], str) and isinstance(signal["explanation"], str)
    json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize(("text", "label"), examples())
def test_team_examples(analyzer: ScamAnalyzer, text: str, label: str) -> None:
    verdict = analyzer.check(text)
    check_contract(verdict.to_json())
    if label == "scam":
        assert verdict.is_scam, [s.code for s in verdict.signals]
        assert verdict.risk == "high"
        assert verdict.scam_type
    else:
        assert verdict.risk == "low", [s.code for s in verdict.signals]
        assert not verdict.is_scam


def test_signals_are_sorted_most_important_first(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check(
        "Công an thông báo: anh liên quan vụ án, chuyển tiền vào tài khoản tạm giữ trước 17h, "
        "truy cập bocongan-vn.top để khai báo"
    )
    weights = [s.weight for s in verdict.signals]
    assert weights == sorted(weights, reverse=True)
    assert verdict.signals[0].code in {"safe_account", "link_fake_gov"}
    assert len(verdict.top()) <= 4


def test_scam_type_follows_the_strongest_signal(analyzer: ScamAnalyzer) -> None:
    assert analyzer.check("Nạp đầu 50k tặng 100k, nổ hũ bắn cá").scam_type == "co_bac"
    assert analyzer.check("Hỗ trợ nâng cấp định danh mức 2 tại nhà qua Zalo").scam_type == "vneid"
    assert analyzer.check("Chào bác").scam_type is None


def test_describing_a_call_works(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check(
        "co nguoi goi dien xung la canh sat, bao toi dinh vao duong day rua tien, "
        "bat chuyen tien vao tai khoan an toan va giu bi mat"
    )
    assert verdict.is_scam
    assert "impersonate_police" in {s.code for s in verdict.signals}


def test_official_link_damps_weak_promotions(analyzer: ScamAnalyzer) -> None:
    text = "Tặng quà cho khách hàng: tải app và đăng ký tại https://viettel.vn/app để nhận ưu đãi"
    assert analyzer.check(text).risk == "low"


def test_warning_messages_are_not_scams(analyzer: ScamAnalyzer) -> None:
    text = (
        "Công an tỉnh khuyến cáo: các đối tượng giả danh công an gọi điện thông báo liên quan "
        "vụ án rửa tiền, yêu cầu chuyển tiền. Bà con nâng cao cảnh giác, không làm theo."
    )
    assert not analyzer.check(text).is_scam


# -- hostile and odd input ---------------------------------------------------------------------

RANDOM = random.Random(20241122)
HOSTILE = [
    "",
    "   \n\t ",
    "😀😂🙏🔥💯" * 200,
    "a" * 100_000,
    ("Xin chào bà con thôn 3. " * 5000)[:100_000],
    "Мама, переведи деньги 中文字符 العربية ภาษาไทย Tiếng Việt vietcombank.com.vn",
    "vіеtсоmbаnk" * 50,
    " ".join(f"https://example{i}.xyz/path?q={i}" for i in range(200)),
    bytes(RANDOM.getrandbits(8) for _ in range(5000)).decode("utf-8", errors="replace"),
    bytes(RANDOM.getrandbits(8) for _ in range(5000)).decode("latin-1"),
    "\x00\x01\x02 null bytes \ufeff BOM \u200b zero width \u202e RTL",
    "." * 10_000 + "com",
    "-" * 5000 + ".vn",
    "xn--" * 1000 + ".com",
    "http://" + "a." * 2000 + "com",
    "((((((((((" * 1000,
    "[.]" * 3000,
    "chấm " * 3000 + "com",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_gets_a_valid_answer(analyzer: ScamAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    check_contract(verdict.to_json())


def test_blank_input_is_low_risk(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check("")
    assert verdict.risk == "low"
    assert verdict.signals == ()
