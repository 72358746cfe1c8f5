"""Whole verdicts for the scam families added for issue 5 (team-written examples).

Each family must make a typical scam message "high" once it meets the usual companion
signal, and must leave realistic genuine messages that use nearby words alone: bank OTP
notices that warn "do not share", delivery and telco notices, family chat, commune notices.
"""

from __future__ import annotations

import pytest

from bot.scam.analyzer import ScamAnalyzer


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Fake trading platform / task app: deposit through a screenshot, "deposit to withdraw".
        (
            "Chị chuyển số tiền cần nạp vào tài khoản công ty, chụp lại màn hình để em "
            "làm lệnh nạp vào ví đầu tư của chị",
            "platform_deposit",
        ),
        (
            "Tai khoan loi nhuan cua anh can nap them 3 trieu moi duoc rut tien ve",
            "platform_deposit",
        ),
        # Debt collectors threatening a lawsuit and a visit.
        (
            "Anh trốn tránh khoản nợ đã 3 tháng. Cán bộ pháp lý sẽ về tận nhà hoàn tất thủ tục "
            "khởi kiện.",
            "lawsuit_threat",
        ),
        # Fake loan / paperwork agent asking to be paid first.
        ("Bạn thanh toán trước để bên em duyệt hồ sơ vay, chiều nay giải ngân luôn", "upfront_fee"),
        # A stranger handing over to an "expert" on a private chat.
        (
            "Chị liên hệ với chuyên gia bên em qua Zalo 0912 345 678 để được hướng dẫn lấy "
            "lại số tiền",
            "expert_contact",
        ),
    ],
)
def test_family_makes_a_typical_scam_high(analyzer: ScamAnalyzer, text: str, code: str) -> None:
    verdict = analyzer.check(text)
    assert code in {s.code for s in verdict.signals}
    assert verdict.risk == "high", [s.code for s in verdict.signals]


@pytest.mark.parametrize(
    "text",
    [
        "Ma OTP cua ban la 482913. Vietcombank KHONG BAO GIO yeu cau cung cap OTP. "
        "Tuyet doi khong chia se ma nay.",
        "Quý khách nạp tiền vào tài khoản chính thành công 50.000đ. Số dư 62.000đ.",
        "Quy khach da rut tien thanh cong 2.000.000d tai ATM. So du 3.450.000d",
        "Đơn hàng của bạn đang được giao, shipper sẽ gọi trước khi tới. Mã vận đơn GHN123.",
        "Viettel tặng 50% giá trị thẻ nạp hôm nay, chi tiết soạn KM gửi 199",
        "Con chuyển khoản xong chụp màn hình gửi mẹ xem nhé",
        "Chị chuyển khoản trước để em lên đơn nhé, shop giao trong 2 ngày",
        "Con chuyển tiền để mẹ làm hồ sơ cho em vào lớp 1 nhé",
        "Trợ giúp pháp lý miễn phí: hướng dẫn thủ tục khởi kiện tranh chấp đất đai tại UBND xã",
        "Đoàn công tác của tỉnh về địa phương làm việc với xã về nông thôn mới",
        "Trung tâm trợ giúp pháp lý: người dân có thể liên hệ luật sư qua tổng đài miễn phí",
        "Trạm y tế mời bà con liên hệ chuyên gia dinh dưỡng tại phòng khám số 3",
        "Tiền điện tháng 11 của quý khách là 350.000đ, hạn thanh toán 20/12. Tra cứu trên app EVN.",
    ],
)
def test_genuine_messages_with_nearby_words_stay_low(analyzer: ScamAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    assert verdict.risk == "low", [s.code for s in verdict.signals]


def test_a_bill_due_days_after_the_message_is_only_worth_checking(
    analyzer: ScamAnalyzer,
) -> None:
    # Genuine reminders exist in this shape: worth checking on the official app, not a verdict.
    verdict = analyzer.check(
        "Điện lực thông báo khách hàng Nguyễn Văn A có 1 hóa đơn, tổng tiền 420.000đ. Đề nghị "
        "quý khách thanh toán trong vòng 2 ngày kể từ khi nhận được tin nhắn."
    )
    assert verdict.risk == "medium"
    assert "bill_deadline" in {s.code for s in verdict.signals}
    assert verdict.scam_type == "dien_nuoc_vien_thong"


def test_a_bill_deadline_with_a_cutoff_threat_is_high(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check(
        "Dien luc: quy khach thanh toan trong 2 gio ke tu khi nhan tin nhan, neu khong se bi "
        "cat dien. Chuyen khoan ngay."
    )
    assert verdict.risk == "high"


def test_new_signals_explain_themselves(analyzer: ScamAnalyzer) -> None:
    for code in ("platform_deposit", "lawsuit_threat", "upfront_fee", "bill_deadline",
                 "expert_contact"):  # fmt: skip
        explanation = analyzer.content.lexicon.explanation(code)
        assert explanation.endswith(".")
        assert len(explanation) < 200
