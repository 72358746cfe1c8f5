"""Scams without links, reassurance, look-alike couriers and tailored advice (issue 15).

Every message here is written by the team for these tests (names, numbers and domains are
made up); none comes from the shared evaluation datasets.
"""

from __future__ import annotations

import pytest

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.render import verdict_message
from tests.scam.conftest import codes

SCAMS_WITHOUT_LINKS = [
    # fake police / procuracy call, secrecy, video call
    "Tôi là đại úy Phạm Văn Khánh công an thành phố, bà đang liên quan vụ án rửa tiền, "
    "bà giữ bí mật và chuyển tiền vào tài khoản tạm giữ để xác minh",
    "vien kiem sat goi cho ong ve ho so vu an, ong bat camera goi video de lam viec truc tuyen",
    # BHXH asking for the OTP by phone (no diacritics)
    "chau ben bao hiem xa hoi day, bac doc giup chau cai ma 6 so vua nhan de cap nhat luong huu",
    # SIM lock call, "bấm phím 9"
    "Tổng đài nhà mạng thông báo thuê bao của anh sắp bị khóa, bấm phím 9 để gặp nhân viên",
    # a school's "new accountant"
    "Em là kế toán mới của trường, phụ huynh chuyển tiền ăn tháng này vào tài khoản cá nhân "
    "của em nhé",
    # a relative in hospital
    "Cô ơi cháu là bác sĩ trực cấp cứu, con trai cô bị tai nạn cần mổ gấp, cô chuyển trước "
    "15 triệu vào tài khoản này",
    # a gift held at customs / romance
    "Em yeu oi thung qua anh gui bi giu o hai quan, em dong phi thong quan 9 trieu giup anh",
    # shipper QR refund
    "Em shipper đây, đơn của chị bị trừ tiền hai lần, chị quét mã QR em gửi để được hoàn tiền",
    # "phí phục hồi điểm"
    "Ho so vay cua chi bi loi diem tin dung, chi nop phi phuc hoi diem 2 trieu de giai ngan",
    # typos: "chuyern", "khaon"
    "can bo dieu tra yeu cau ba chuyern khaon toan bo so du vao tai khoan tam giu, giu bi mat",
]


@pytest.mark.parametrize("text", SCAMS_WITHOUT_LINKS)
def test_scams_without_links_are_high(analyzer: ScamAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    assert verdict.risk == "high", [s.code for s in verdict.signals]
    assert not verdict.links


def test_a_caller_and_an_ask_are_named_in_the_reason(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check(SCAMS_WITHOUT_LINKS[2])
    reasons = " ".join(s.explanation for s in verdict.signals)
    assert "bảo hiểm xã hội" in reasons
    assert "OTP" in reasons


GENUINE_LOOKALIKES = [
    # reassurance: the bodies say what they never do
    "Điện lực thông báo tiền điện tháng 11 là 420.000đ. Điện lực không thu tiền qua tài khoản "
    "cá nhân, quý khách thanh toán tại điểm thu hoặc ứng dụng chính thức.",
    "Nhà trường thông báo: trường không thu tiền vào tài khoản cá nhân giáo viên, phụ huynh "
    "nộp học phí tại phòng tài vụ.",
    "MobiFone không gọi điện yêu cầu khách hàng đọc OTP hay bấm phím để giữ số.",
    "Ngân hàng không bao giờ yêu cầu quý khách cung cấp mã OTP hay chuyển tiền vào tài khoản "
    "tạm giữ.",
    # the commune's own notice
    "Thông báo của xã: sáng Chủ nhật công an xã làm định danh điện tử mức 2 tại nhà văn hóa "
    "thôn Bắc, bà con mang theo căn cước.",
]


@pytest.mark.parametrize("text", GENUINE_LOOKALIKES)
def test_negation_and_reassurance_lower_risk(analyzer: ScamAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    assert not verdict.is_scam, [s.code for s in verdict.signals]


def test_a_negated_ask_is_not_a_demand(analyzer: ScamAnalyzer) -> None:
    found = codes(analyzer, "Cán bộ BHXH không bao giờ gọi điện yêu cầu đọc mã OTP")
    assert "script_social_insurance" not in found
    assert "ask_secret_code" not in found


def test_lookalike_courier_domains_name_the_right_brand(analyzer: ScamAnalyzer) -> None:
    jnt = analyzer.check("Kiện hàng chưa giao được, xác nhận tại jnt-express-vn.shop")
    assert jnt.risk == "high"
    lookalike = next(s for s in jnt.signals if s.code == "link_lookalike")
    assert "J&T" in lookalike.explanation and "jtexpress.vn" in lookalike.explanation

    ghtk = analyzer.check("https://ghtk-giaohang.top/ma/88231")
    assert ghtk.risk == "high"
    reasons = {s.code: s.explanation for s in ghtk.signals}
    assert "ghtk.vn" in reasons["link_lookalike"]
    assert "ghn.vn" not in reasons["link_lookalike"]
    # The path is not an OTP code, and a readable domain is not "random letters".
    assert "asks_secret" not in reasons and "ask_secret_code" not in reasons
    assert "link_random_name" not in reasons


def test_a_real_courier_domain_is_still_trusted(analyzer: ScamAnalyzer) -> None:
    assert analyzer.check("Theo dõi đơn tại https://ghtk.vn").risk == "low"
    assert analyzer.check("Tra đơn J&T tại https://jtexpress.vn").risk == "low"


def test_a_genuine_otp_sms_gets_tailored_advice(analyzer: ScamAnalyzer) -> None:
    text = (
        "Agribank: Ma OTP 550123 xac thuc giao dich chuyen 2.000.000 VND. "
        "Khong cung cap ma cho bat ky ai."
    )
    verdict = analyzer.check(text)
    assert verdict.risk == "low"
    assert "không thực hiện giao dịch này" in verdict.advice
    assert "gọi ngay cho ngân hàng" in verdict.advice
    message = verdict_message(verdict, analyzer.content.advice)
    assert "không thực hiện giao dịch này" in message


def test_ordinary_low_risk_messages_get_no_transaction_advice(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check("Chiều nay thôn họp ở nhà văn hóa lúc 3 giờ")
    assert verdict.risk == "low"
    assert "không thực hiện giao dịch này" not in verdict.advice


def test_a_long_message_of_cues_is_still_read(analyzer: ScamAnalyzer) -> None:
    # Its cost is bounded by tests/core/test_linear_time.py (as a ratio, never a clock).
    filler = "chuyern khoan giu bi mat cong an " * 1500  # ~50 KB of cue words and typos
    assert analyzer.check(filler).risk == "high"
