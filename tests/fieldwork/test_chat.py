"""Transcripts of team members recording their door-to-door help in Zalo, through the real
dispatcher, database and outbox (the default interceptors, as the running app has them)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from bot.clock import FakeClock
from db.models import AuditLog, FieldVisit
from db.session import read_scope
from tests.fieldwork.conftest import HUNG, LAN, MAI, RESIDENT, Make


def visits(engine: Engine) -> list[FieldVisit]:
    with read_scope(engine) as s:
        return list(s.exec(select(FieldVisit).order_by(FieldVisit.id)).all())  # type: ignore[arg-type]


def audit(engine: Engine) -> list[AuditLog]:
    with read_scope(engine) as s:
        return [a for a in s.exec(select(AuditLog)).all() if a.action.startswith("fieldwork.")]


def test_record_a_visit_with_taps(make: Make, org: Engine) -> None:
    mai = make(MAI)
    mai.send("Ghi nhận hỗ trợ")
    assert "thôn nào" in mai.said
    assert sorted(mai.last_buttons) == ["Thôn Trung Hòa", "Thôn Đông"]
    mai.press("Thôn Đông")
    assert "Thôn Đông: anh/chị gõ tên chủ hộ" in mai.said
    mai.send("Nguyễn Văn An")
    assert "Hộ Nguyễn Văn An (Thôn Đông): anh/chị đã giúp những việc gì?" in mai.said
    mai.press("VNeID mức 2")
    assert "✅ Kích hoạt VNeID mức 2" in mai.said and "Xong ✓" in mai.last_buttons
    mai.press("Nộp hồ sơ trực tuyến")
    mai.press("Xong ✓")
    assert "thủ tục nào" in mai.said
    mai.press("Đăng ký khai sinh")
    assert "bao nhiêu người" in mai.said
    mai.press("2")
    assert "✅ Đã ghi nhận hộ Nguyễn Văn An (Thôn Đông)" in mai.said
    assert "Kích hoạt VNeID mức 2, Nộp hồ sơ trực tuyến (Đăng ký khai sinh), 2 người" in mai.said
    assert mai.last_buttons == ["Thêm hộ khác", "Sửa", "Xóa", "Xong"]
    [row] = visits(org)
    assert (row.household_key, row.household_id) == ("Nguyễn Văn An", "nguyen van an")
    assert row.actions == ["vneid_level2", "filing"] and row.procedure == "Đăng ký khai sinh"
    assert (row.people, row.day, row.skills) == (2, "2026-12-07", [])
    mai.press("Xong")
    assert "tổng kết tháng" in mai.said


def test_burst_of_households_typed_numbers(make: Make, org: Engine) -> None:
    hung = make(HUNG)  # one village: no village question
    hung.send("ghi nhan")
    assert "Thôn Đông: anh/chị gõ tên chủ hộ" in hung.said
    hung.send("Trần Thị Bình")
    hung.send("4 5 8")  # skills taught, mastered, scam explained
    assert "kỹ năng nào" in hung.said
    hung.send("1, 3")
    hung.press("Bỏ qua")
    assert "Dạy kỹ năng số (Dịch vụ công trực tuyến, Thanh toán trực tuyến)" in hung.said
    hung.press("Thêm hộ khác")
    assert "Thôn Đông: anh/chị gõ tên chủ hộ" in hung.said
    hung.send("Lê Văn Cường")
    hung.send("1")
    hung.send("3")
    hung.press("Thêm hộ khác")
    hung.send("Phạm Thị Dung")
    hung.press("Cài VNeID")
    hung.press("Xong ✓")
    hung.send("1")
    rows = visits(org)
    assert [r.household_key for r in rows] == ["Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]
    assert rows[0].actions == ["skills", "mastered", "scam"]
    assert rows[0].skills == ["online_services", "online_payment"] and rows[0].people is None
    assert (rows[1].actions, rows[1].people, rows[2].people) == (["vneid_installed"], 3, 1)
    assert {r.village_id for r in rows} == {rows[0].village_id}
    hung.send("ghi nhận hôm nay")
    assert "1. Hộ Trần Thị Bình (Thôn Đông)" in hung.said
    assert "3. Hộ Phạm Thị Dung (Thôn Đông): Cài ứng dụng VNeID" in hung.said


def test_correct_and_delete_the_same_day_only(make: Make, org: Engine, clock: FakeClock) -> None:
    hung = make(HUNG)
    hung.send("ghi nhận hỗ trợ")
    hung.send("Trần Thị Bình")
    hung.send("2")
    hung.press("Bỏ qua")
    hung.press("Sửa")
    assert "Hộ Trần Thị Bình (Thôn Đông)" in hung.said
    hung.send("1 2")
    hung.press("1")
    assert "✏️ Đã sửa ghi nhận hộ Trần Thị Bình" in hung.said
    [row] = visits(org)
    assert row.actions == ["vneid_installed", "vneid_level2"] and row.people == 1
    # Someone else cannot delete it; its author can, that day.
    mai = make(MAI)
    mai.send(f"#fw:del:{row.id}")
    assert "chỉ sửa hoặc xóa được ghi nhận của mình" in mai.said
    hung.send("Lê Văn Cường")  # not in a step any more: left to normal routing
    hung.send("ghi nhận hỗ trợ")
    hung.send("Lê Văn Cường")
    hung.send("8")
    hung.press("Bỏ qua")
    hung.press("Xóa")
    assert "Đã xóa ghi nhận hộ Lê Văn Cường" in hung.said
    assert [r.household_key for r in visits(org)] == ["Trần Thị Bình"]
    # The next day, yesterday's record stays as it is.
    clock.advance(days=1)
    hung.send(f"#fw:del:{row.id}")
    assert "trong ngày đã ghi" in hung.said
    assert len(visits(org)) == 1
    actions = [(a.action, a.actor) for a in audit(org)]
    assert actions == [("fieldwork.correct", "member:2"), ("fieldwork.delete", "member:2")]
    correction = audit(org)[0].detail
    assert correction["before"]["actions"] == ["vneid_level2"]
    assert correction["after"]["actions"] == ["vneid_installed", "vneid_level2"]


def test_never_an_id_number_and_only_members(make: Make, org: Engine) -> None:
    hung = make(HUNG)
    hung.send("ghi nhận hỗ trợ")
    hung.send("Nguyễn Văn An 001203004567")
    assert "không được có số căn cước" in hung.said
    hung.send("Nguyễn Văn An")
    hung.send("3")
    hung.send("Cấp lại CCCD số 001203004567")
    assert "không ghi số giấy tờ" in hung.said
    hung.send("hủy")
    assert "Đã dừng ghi nhận" in hung.said
    assert visits(org) == []
    resident = make(RESIDENT)
    resident.send("#fw:start")
    assert "chỉ dành cho cán bộ" in resident.said
    resident.send("ghi nhận hỗ trợ")
    assert "chỉ dành cho cán bộ" not in resident.said  # a resident's words: normal routing


def test_monthly_summary_in_chat_and_the_leader_sees_the_team(make: Make, org: Engine) -> None:
    mai = make(MAI)
    mai.send("tổng kết tháng")
    assert "Tháng 12/2026 anh/chị chưa có ghi nhận hỗ trợ nào" in mai.said
    mai.send("ghi nhận hỗ trợ")
    mai.press("Thôn Đông")
    mai.send("Nguyễn Văn An")
    mai.send("2 5")
    mai.press("Bỏ qua")
    mai.send("tổng kết tháng")
    assert "Tổng kết tháng 12/2026 của Lê Thị Mai" in mai.said
    assert "Lượt hỗ trợ: 1, số hộ: 1" in mai.said and "VNeID mức 2: 1" in mai.said
    assert "Hộ mới có người thành thạo 5 kỹ năng: 1" in mai.said
    assert "Cả tổ" not in mai.said
    hung = make(HUNG)
    hung.send("tổng kết tháng")
    assert "Cả tổ tháng 12/2026" in hung.said
    assert "- Lê Thị Mai: 1 lượt, 1 hộ, 1 VNeID mức 2, 0 hồ sơ" in hung.said
    assert "- Trần Văn Hùng: 0 lượt" in hung.said
    lan = make(LAN)
    lan.send("tong ket thang")
    assert "- Lò Văn Pánh: 0 lượt" in lan.said
    mai.send("tổng kết tháng trước")
    assert "Tháng 11/2026 anh/chị chưa có ghi nhận hỗ trợ nào" in mai.said
