"""Scam check, report and quiz in chat (the analyzer itself is tested in tests/scam)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from db.models import EventLog, ScamReport
from db.session import read_scope
from tests.harness import Chat

SCAM = (
    "Chúc mừng quý khách trúng thưởng xe SH, truy cập http://nhanqua-vcb.top để nhận quà, "
    "phí vận chuyển 2 triệu, liên hệ 0912345678"
)


def rows(engine: Engine, model: type) -> list:  # type: ignore[type-arg]
    with read_scope(engine) as s:
        return list(s.exec(select(model)).all())


def test_menu_entry_asks_then_gives_a_verdict_with_reasons_and_advice(
    resident: Chat, engine: Engine
) -> None:
    resident.send("menu")
    resident.press("Kiểm tra lừa đảo")
    assert "dán tin nhắn" in resident.said
    resident.send(SCAM)
    assert "LỪA ĐẢO" in resident.said
    assert resident.said.count("•") >= 3
    assert "Công an xã" in resident.said and "113" in resident.said
    assert resident.last_buttons[0] == "Báo cáo lừa đảo này"
    [check] = [e for e in rows(engine, EventLog) if e.kind == "scam_check"]
    assert check.value == "high" and check.data["is_scam"] is True
    assert check.data["signals"]


def test_report_is_stored_with_numbers_masked(resident: Chat, engine: Engine) -> None:
    resident.send("#go:scam_check")
    resident.send(SCAM)
    resident.press("Báo cáo lừa đảo này")
    assert "Cảm ơn bạn đã báo" in resident.said
    [report] = rows(engine, ScamReport)
    assert "0912345678" not in report.text_redacted
    assert report.risk == "high" and report.scam_type


def test_report_from_the_menu_without_checking_first(resident: Chat, engine: Engine) -> None:
    resident.send("#go:scam_check")
    resident.press("Báo cáo lừa đảo")
    assert "dán tin nhắn lừa đảo" in resident.said
    resident.send("Có người gọi xưng công an bảo tôi chuyển tiền vào tài khoản tạm giữ 123456789")
    assert "Cảm ơn bạn đã báo" in resident.said
    [report] = rows(engine, ScamReport)
    assert "123456789" not in report.text_redacted


def test_a_pasted_message_outside_any_flow_is_offered_a_check(resident: Chat) -> None:
    resident.send(SCAM)
    assert "Bạn có muốn bot kiểm tra" in resident.said
    resident.press("Kiểm tra giúp tôi")
    assert "LỪA ĐẢO" in resident.said


def test_an_explicit_request_with_the_text_is_checked_at_once(resident: Chat) -> None:
    resident.send("tin này có phải lừa đảo không: " + SCAM)
    assert "LỪA ĐẢO" in resident.said


def test_a_shared_link_is_offered_a_check(resident: Chat) -> None:
    resident.send_kind(
        "link",
        text="http://dichvucong-gov.com/cap-nhat",
        attachments=[{"type": "link", "payload": {"url": "http://dichvucong-gov.com/cap-nhat"}}],
    )
    assert "Bạn có muốn bot kiểm tra" in resident.said
    resident.press("Không cần")
    assert "Dạ vâng" in resident.said


def test_an_official_link_is_not_called_a_scam(resident: Chat) -> None:
    resident.send("#go:scam_check")
    resident.send("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html")
    assert "LỪA ĐẢO" not in resident.said


def test_a_low_risk_verdict_is_not_headed_as_urgent_steps(resident: Chat) -> None:
    resident.send("#go:scam_check")
    resident.send("Chiều nay 14h họp thôn tại nhà văn hóa, mời bà con đến dự đông đủ.")
    assert "chưa thấy dấu hiệu lừa đảo" in resident.said
    assert "Để an toàn hơn:" in resident.said
    assert "Bạn nên làm ngay:" not in resident.said
    assert "Nếu đã lỡ chuyển tiền" not in resident.said


def test_a_high_risk_verdict_keeps_its_urgent_steps(resident: Chat) -> None:
    resident.send("#go:scam_check")
    resident.send(SCAM)
    assert "Bạn nên làm ngay:" in resident.said
    assert "Để an toàn hơn:" not in resident.said


def test_quiz_round_with_explanations_and_a_score(resident: Chat, engine: Engine) -> None:
    resident.send("#go:scam_check")
    resident.press("Thử tài nhận diện")
    assert "Tin nhắn số 1/" in resident.said
    for _ in range(10):
        resident.press("Lừa đảo")
        assert "Chính xác" in resident.said or "Chưa đúng" in resident.said
        if "Bạn trả lời đúng" in resident.said:
            break
        assert resident.last_buttons[0] == "Câu tiếp theo"
        resident.press("Câu tiếp theo")
        assert "Cùng thử tài" not in resident.said  # the intro only once
    assert "Bạn trả lời đúng" in resident.said
    kinds = [e.kind for e in rows(engine, EventLog)]
    assert kinds.count("quiz_answer") >= 3 and "scam_quiz_done" in kinds


def test_after_the_score_the_buttons_end_the_round(resident: Chat, engine: Engine) -> None:
    resident.send("#go:scam_quiz")
    for _ in range(10):
        resident.press("Lừa đảo")
        if "Bạn trả lời đúng" in resident.said:
            break
        resident.press("Câu tiếp theo")
    assert "Câu tiếp theo" not in resident.last_buttons
    assert resident.last_buttons[:2] == ["Làm lại", "Kiểm tra một tin nhắn"]
    assert resident.last_buttons[-1] == "Về menu chính"
    assert "flow_complete" in [e.kind for e in rows(engine, EventLog)]
    resident.press("Làm lại")  # a new round, without the intro again
    assert "Tin nhắn số 1/" in resident.said and "Cùng thử tài" not in resident.said
    resident.send("lừa đảo")  # typed, the new round takes it like the button
    assert "Chính xác" in resident.said or "Chưa đúng" in resident.said
    assert resident.last_buttons[0] == "Câu tiếp theo"
