"""Chat cards: reading order, phone-sized messages, notices, buttons."""

from __future__ import annotations

import pytest

from bot.features.procedures.cards import (
    BUTTON_TITLE_LIMIT,
    MAX_BUTTONS,
    MESSAGE_LIMIT,
    PAYLOAD_DETAIL,
    PAYLOAD_GENERAL,
    PAYLOAD_MORE,
    CardTemplates,
    card_buttons,
    fee_text,
    match_buttons,
    pack,
    render_card,
    render_general,
    render_matches,
    render_more,
)
from bot.features.procedures.catalogue import Catalogue
from bot.features.procedures.importer import record_to_procedure
from bot.features.procedures.model import Channel, Document, Procedure
from bot.features.procedures.search import Hit, ProcedureIndex
from tests.procedures.conftest import CONTENT_DIR, national_record


@pytest.fixture(scope="module")
def templates() -> CardTemplates:
    return CardTemplates.load(CONTENT_DIR)


def test_card_reads_documents_fee_time_where_link_notes_in_order(
    curated_catalogue: Catalogue, templates: CardTemplates
) -> None:
    (message,) = render_card(curated_catalogue.procedures["1.004222"], templates)
    positions = [
        message.index(marker)
        for marker in (
            "Đăng ký thường trú",
            "📱 Nên nộp trực tuyến: ứng dụng VNeID",
            "Cần có sẵn:",
            "Tờ khai thay đổi thông tin cư trú (mẫu CT01)",
            "20.000đ",
            "7 ngày làm việc",
            "Công an xã nơi bạn muốn đăng ký thường trú",
            "https://dichvucong.gov.vn/",
            "Sổ hộ khẩu giấy đã bỏ",
            "Mã thủ tục: 1.004222",
        )
    ]
    assert positions == sorted(positions)
    # Both channels take 7 days: said once, without channel labels.
    assert message.count("7 ngày làm việc") == 1


def test_verify_items_show_a_caution_to_residents(
    curated_catalogue: Catalogue, templates: CardTemplates
) -> None:
    flagged = "\n".join(render_card(curated_catalogue.procedures["1.002755"], templates))
    clean = "\n".join(render_card(curated_catalogue.procedures["1.004222"], templates))
    assert "đang được kiểm tra lại" in flagged
    assert "đang được kiểm tra lại" not in clean


def test_the_caution_sends_residents_to_the_card_s_own_agency(
    curated_catalogue: Catalogue, templates: CardTemplates
) -> None:
    def caution(code: str) -> str:
        text = "\n".join(render_card(curated_catalogue.procedures[code], templates))
        return next(line for line in text.splitlines() if "đang được kiểm tra lại" in line)

    # Land, civil status, social allowance: not the police.
    for code in ("1.013831", "1.000656", "1.014027"):
        assert "Công an" not in caution(code), code
    assert "Văn phòng đăng ký đất đai" in caution("1.013831")
    assert "Trung tâm Phục vụ hành chính công xã" in caution("1.000656")
    # Residence and ID cards: the commune police.
    assert "Công an xã" in caution("1.002755")
    assert "Bảo hiểm xã hội" in caution("1.002759")


def test_a_card_decided_elsewhere_says_who_decides(
    curated_catalogue: Catalogue, templates: CardTemplates
) -> None:
    land = "\n".join(render_card(curated_catalogue.procedures["1.013831"], templates))
    assert "Chi nhánh Văn phòng đăng ký đất đai là nơi giải quyết" in land
    birth = "\n".join(render_card(curated_catalogue.procedures["1.001193"], templates))
    assert "là nơi giải quyết" not in birth


def test_counter_first_cards_have_no_online_first_section(
    curated_catalogue: Catalogue, templates: CardTemplates
) -> None:
    pension = "\n".join(render_card(curated_catalogue.procedures["1.014027"], templates))
    assert "Nên nộp trực tuyến" not in pension
    # The amount, the time and who qualifies are on the card itself, not under "more".
    assert "500.000đ/tháng" in pension and "15 ngày làm việc" in pension
    assert "đủ 75 tuổi" in pension and "hộ nghèo, cận nghèo" in pension


def test_imported_card_is_marked_and_split_into_phone_sized_messages(
    templates: CardTemplates,
) -> None:
    many = "".join(f"Giấy tờ số {i} " + "rất dài " * 30 + "1 bản chính" for i in range(30))
    record = national_record(
        thanh_phan_ho_so=f"Tên giấy tờMẫu đơn, tờ khaiSố lượng{many}",
        trinh_tu_thuc_hien="\n".join(f"Bước {i}: " + "làm việc này " * 40 for i in range(1, 20)),
    )
    procedure, _ = record_to_procedure(record, source="import: test")
    card = render_card(procedure, templates)
    assert all(len(m) <= MESSAGE_LIMIT for m in card)
    text = "\n".join(card)
    assert "Cơ sở dữ liệu quốc gia" in text  # imported notice
    assert "22 giấy tờ khác" in text  # 30 documents, 8 shown
    assert "30.000đ" in text and "Miễn phí" in text
    more = render_more(procedure, templates)
    assert len(more) > 1
    assert all(len(m) <= MESSAGE_LIMIT for m in more)
    assert more[0].startswith("🧭")
    assert "19. Bước 19" in more[-1] or any("19. Bước 19" in m for m in more)


def test_fee_text_uses_format_money() -> None:
    assert fee_text(Channel(kind="truc_tiep", fee_vnd=20000)) == "20.000đ"
    assert fee_text(Channel(kind="truc_tiep", fee_vnd=0)) == "Miễn phí"
    assert fee_text(Channel(kind="truc_tiep", fee_text="Theo mức của tỉnh")) == "Theo mức của tỉnh"
    assert fee_text(Channel(kind="truc_tiep")) is None


def test_pack_never_exceeds_the_limit_and_keeps_order() -> None:
    sections = ["A" * 1500, "B" * 700, "line\n" * 900, "x" * 4500]
    messages = pack(sections, limit=2000)
    assert all(len(m) <= 2000 for m in messages)
    joined = "".join(m.replace("\n", "") for m in messages)
    assert joined.index("A") < joined.index("B") < joined.index("line") < joined.index("x")
    assert joined.count("x") == 4500


def test_more_without_details_points_to_the_link(templates: CardTemplates) -> None:
    bare = Procedure(
        code="9.000201",
        name="Thủ tục thử",
        source="t",
        documents=[Document(name="Đơn")],
        link="https://dichvucong.gov.vn/x",
    )
    (message,) = render_more(bare, templates)
    assert "https://dichvucong.gov.vn/x" in message


def test_match_list_and_buttons(
    curated_catalogue: Catalogue, curated_index: ProcedureIndex, templates: CardTemplates
) -> None:
    hits = curated_index.search("khai sinh", limit=10)
    text = render_matches(hits, curated_catalogue, templates)
    buttons = match_buttons(hits, curated_catalogue)
    assert len(buttons) == MAX_BUTTONS
    assert buttons[0].payload == f"{PAYLOAD_DETAIL}1.001193"
    assert all(len(b.title) <= BUTTON_TITLE_LIMIT for b in buttons)
    assert "1. Đăng ký khai sinh" in text
    assert "6." not in text
    assert "chưa tìm thấy" in render_matches([], curated_catalogue, templates)


def test_card_buttons(curated_catalogue: Catalogue, templates: CardTemplates) -> None:
    procedure = curated_catalogue.procedures["1.001193"]
    buttons = card_buttons(procedure, curated_catalogue, templates)
    payloads = [b.payload for b in buttons]
    assert payloads[0] == f"{PAYLOAD_MORE}1.001193"
    assert f"{PAYLOAD_DETAIL}2.000986" in payloads
    assert PAYLOAD_GENERAL in payloads
    assert len(buttons) <= MAX_BUTTONS
    assert all(len(b.title) <= BUTTON_TITLE_LIMIT for b in buttons)


def test_match_buttons_fall_back_to_hit_names(curated_catalogue: Catalogue) -> None:
    hit = Hit(
        code="9.999999", name="Một thủ tục có tên rất rất dài không có trong danh mục", score=0.5
    )
    (button,) = match_buttons([hit], curated_catalogue)
    assert button.title.endswith("…") and len(button.title) <= BUTTON_TITLE_LIMIT


def test_general_rules_message(curated_catalogue: Catalogue, templates: CardTemplates) -> None:
    (message,) = render_general(curated_catalogue.general, templates)
    assert "sổ hộ khẩu" in message and "15 giờ" in message
