"""Scam reports: redaction before storage, and the weekly statistics query (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.reports import draft_report, mask_numbers
from db.models.core import Resident
from db.models.org import Village
from db.scam import recent_reports, record_report, reports_by_type
from db.session import read_scope, session_scope


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("Gọi lại số 0912 345 678 nhé", "0912 345 678", "[SĐT ********78]"),
        ("goi +84987654321 ngay", "84987654321", "[SĐT *********21]"),
        (
            "Chuyển vào STK 1903 4567 8901 23 Techcombank",
            "1903 4567 8901 23",
            "[STK ************23]",
        ),
        ("so tai khoan: 0071000123456", "0071000123456", "[STK ***********56]"),
        ("CCCD của tôi 001203004567", "001203004567", "[đã ẩn số định danh]"),
        ("Mã OTP 483920, đừng đưa ai", "483920", "[đã ẩn mã OTP]"),
        ("thẻ 4111 1111 1111 1111", "4111 1111 1111 1111", "[đã ẩn số thẻ]"),
        ("ví điện tử 123456789012345", "123456789012345", "[số"),
    ],
)
def test_numbers_are_masked(text: str, gone: str, kept: str) -> None:
    masked = mask_numbers(text)
    assert gone not in masked
    assert kept in masked


def test_ordinary_numbers_stay() -> None:
    text = "Nộp 200.000đ trước 17h ngày 25/12, thôn 3 có 45 hộ"
    assert mask_numbers(text) == text


def test_draft_classifies_and_redacts(analyzer: ScamAnalyzer) -> None:
    draft = draft_report(
        analyzer,
        "Tôi là công an, chị chuyển tiền vào tài khoản tạm giữ STK 0123456789012, gọi 0912345678",
    )
    assert draft.scam_type == "gia_danh_cong_an"
    assert "0123456789012" not in draft.text_redacted
    assert "0912345678" not in draft.text_redacted
    assert "safe_account" in draft.signals
    assert draft.risk == "high"


def test_draft_of_an_unclear_report_is_other(analyzer: ScamAnalyzer) -> None:
    assert draft_report(analyzer, "Có người lạ gọi cho tôi").scam_type == "khac"


def test_record_and_count_by_type_and_village(engine: Engine, analyzer: ScamAnalyzer) -> None:
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        east = Village(code="dong", name="Thôn Đông")
        west = Village(code="tay", name="Thôn Tây")
        session.add_all([east, west])
        session.flush()
        resident = Resident(zalo_user_id="u-1", village_id=east.id)
        session.add(resident)
        session.flush()
        texts = [
            (east.id, "Nâng cấp định danh mức 2 tại nhà qua Zalo 0912345678"),
            (east.id, "Hỗ trợ nâng cấp VNeID, gọi 0987654321"),
            (east.id, "Nạp đầu 50k tặng 100k nổ hũ"),
            (west.id, "Nạp đầu 50k tặng 100k nổ hũ bắn cá"),
        ]
        for village_id, text in texts:
            draft = draft_report(analyzer, text)
            record_report(
                session,
                resident_id=resident.id if village_id == east.id else None,
                village_id=village_id,
                scam_type=draft.scam_type,
                text_redacted=draft.text_redacted,
                signals=draft.signals,
                risk=draft.risk,
                created_at=now,
            )
        record_report(
            session, scam_type="co_bac", text_redacted="cũ", created_at=now - timedelta(days=9)
        )
        east_id, west_id = east.id, west.id

    with read_scope(engine) as session:
        week = reports_by_type(
            session, since=now - timedelta(days=7), until=now + timedelta(days=1)
        )
        assert {(c.village_id, c.scam_type, c.count) for c in week} == {
            (east_id, "vneid", 2),
            (east_id, "co_bac", 1),
            (west_id, "co_bac", 1),
        }
        assert week[0].count == 2
        only_west = reports_by_type(
            session,
            since=now - timedelta(days=7),
            until=now + timedelta(days=1),
            village_id=west_id,
        )
        assert [(c.scam_type, c.count) for c in only_west] == [("co_bac", 1)]
        stored = recent_reports(session)
        assert len(stored) == 5
        assert all("0912345678" not in r.text_redacted for r in stored)
        assert all(r.created_at.tzinfo is not None for r in stored)
        vneid = [r for r in stored if r.scam_type == "vneid"]
        assert all("vneid_upgrade" in r.signals for r in vneid)
