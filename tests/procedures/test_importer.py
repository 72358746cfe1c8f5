"""The national-catalogue importer: parsing the flattened tables, bad input, the database write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

import bot.features.procedures.fields as fields
import bot.features.procedures.importer as importer
from bot.features.procedures.catalogue import load_imported
from bot.features.procedures.fields import (
    form_code,
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_result,
    parse_steps,
)
from bot.features.procedures.importer import (
    MAX_FIELD_CHARS,
    ImportFileError,
    import_file,
    read_records,
    record_to_procedure,
)
from db.procedures import count_imported, list_imported
from db.session import read_scope
from tests.procedures.conftest import national_record, write_jsonl

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"


# -- channels ---------------------------------------------------------------------------------


def test_channels_with_time_fee_note_and_description() -> None:
    channels, warnings = parse_channels(national_record()["cach_thuc_thuc_hien"])
    assert warnings == []
    assert [c.kind for c in channels] == ["truc_tiep", "truc_tuyen", "buu_chinh"]
    in_person, online, post = channels
    assert (in_person.days, in_person.time_text) == (5, "5 ngày làm việc")
    assert in_person.fee_vnd == 30000
    assert in_person.fee_note == "Hộ nghèo được miễn."
    assert in_person.note == "Nộp tại bộ phận một cửa của xã."
    assert (online.days, online.fee_vnd) == (3, 0)
    assert (post.days, post.fee_vnd, post.time_text) == (None, None, None)


def test_bare_number_time_and_hours() -> None:
    channels, _ = parse_channels(f"{HEADER}Trực tuyến1Miễn phíTrực tiếp8 GiờMiễn phí")
    assert [(c.days, c.time_text) for c in channels] == [(1, "1 ngày"), (0.333, "8 giờ")]


def test_time_and_fee_that_ran_together_are_split_by_the_fee_note() -> None:
    text = f"{HEADER}Trực tuyến120 VNĐ(20.000 đồng/tờ khai)"
    (channel,), warnings = parse_channels(text)
    assert (channel.days, channel.fee_vnd) == (1, 20000)
    assert warnings == []


def test_time_and_fee_that_cannot_be_split_stay_unknown() -> None:
    (channel,), warnings = parse_channels(f"{HEADER}Trực tiếp150 VNĐ")
    assert (channel.days, channel.fee_vnd) == (None, None)
    assert warnings and "ran together" in warnings[0]


def test_lowercase_channel_words_in_descriptions_are_not_rows() -> None:
    text = f"{HEADER}Trực tiếp7 NgàyMiễn phíNộp trực tiếp tại trụ sở, hoặc trực tuyến qua cổng."
    channels, _ = parse_channels(text)
    assert len(channels) == 1
    assert channels[0].note == "Nộp trực tiếp tại trụ sở, hoặc trực tuyến qua cổng."


def test_nested_parentheses_in_fee_note() -> None:
    text = f"{HEADER}Trực tiếp3 Ngày10,000 Việt Nam Đồng(Mức (tạm thời) theo tỉnh)Mô tả ngắn"
    (channel,), _ = parse_channels(text)
    assert channel.fee_note == "Mức (tạm thời) theo tỉnh"
    assert channel.note == "Mô tả ngắn"


def test_no_channels_in_free_text_is_a_warning_not_an_error() -> None:
    channels, warnings = parse_channels(f"{HEADER}Liên hệ cơ quan thuế để biết thêm.")
    assert channels == []
    assert warnings == ["no channel row could be read"]


# -- documents, legal basis, steps ------------------------------------------------------------


def test_documents_split_on_quantities_with_form_codes() -> None:
    docs, warnings = parse_documents(national_record()["thanh_phan_ho_so"])
    assert warnings == []
    assert [(d.name, d.form) for d in docs] == [
        ("Tờ khai đăng ký nuôi ong (mẫu NO01)", "NO01"),
        ("Sơ đồ vị trí đặt thùng ong", None),
    ]
    assert docs[0].note == "1 bản chính"
    assert docs[1].note == "0 bản chính,1 bản sao"


def test_documents_sections_keep_their_heading_as_a_note() -> None:
    text = (
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai (mẫu CT01)1 bản chính"
        "* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượngThẻ căn cước0 bản chính"
    )
    docs, _ = parse_documents(text)
    assert [d.name for d in docs] == ["Tờ khai (mẫu CT01)", "Thẻ căn cước"]
    assert docs[0].note == "1 bản chính; Giấy tờ phải nộp"
    assert docs[1].note == "xuất trình hoặc tham khảo; Giấy tờ phải xuất trình"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm Thông tư 53/2025)", "CT01"),
        ("Phiếu đề nghị giải quyết thủ tục về căn cước (mẫu DC02)", "DC02"),
        ("Tờ khai TK1-TS", "TK1-TS"),
        ("Giấy tờ chứng minh chỗ ở hợp pháp", None),
    ],
)
def test_form_codes(text: str, code: str | None) -> None:
    assert form_code(text) == code


def test_legal_basis_rows_are_split_at_the_glued_number_cell() -> None:
    rows = parse_legal_basis(national_record()["can_cu_phap_ly"])
    assert rows == [
        "Luật Chăn nuôi (32/2018/QH14)",
        "Nghị định quy định chi tiết về nuôi ong (13/2020/NĐ-CP)",
    ]


def test_legal_basis_numbers_quoted_in_titles_and_glued_years() -> None:
    text = (
        "Tên văn bản pháp lýMã văn bảnThông tư số 01/2024/TT-BTP ngày 01/02/2024 hướng dẫn"
        "01/2024/TT-BTPLuật Hộ tịch 201460/2014/QH13"
    )
    assert parse_legal_basis(text) == [
        "Thông tư số 01/2024/TT-BTP ngày 01/02/2024 hướng dẫn",
        "Luật Hộ tịch 2014 (60/2014/QH13)",
    ]


def test_steps_and_result() -> None:
    record = national_record()
    assert parse_steps(record["trinh_tu_thuc_hien"]) == [
        "Bước 1: Người nuôi chuẩn bị hồ sơ.",
        "Bước 2: Nộp hồ sơ tại xã.",
        "Bước 3: Nhận kết quả.",
    ]
    assert parse_result(record["ket_qua_xu_ly"]) == "Giấy xác nhận đăng ký nuôi ong."


# -- whole records ----------------------------------------------------------------------------


def test_record_to_procedure() -> None:
    procedure, warnings = record_to_procedure(national_record(), source="import: test")
    assert warnings == []
    assert procedure.code == "9.000101"
    assert procedure.origin == "imported"
    assert procedure.field == "Nông nghiệp"
    assert procedure.where == ["Ủy ban nhân dân cấp xã"]
    assert procedure.link == "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/test-0001"
    assert procedure.conditions == ["Thùng ong đặt cách nhà ở ít nhất 10 mét."]
    assert procedure.has_usable_channels


def test_text_is_stored_nfc() -> None:
    decomposed = "Đăng ký nuôi ong".replace("ă", "a\u0306")
    procedure, _ = record_to_procedure(national_record(ten_thu_tuc=decomposed), source="t")
    assert procedure.name == "Đăng ký nuôi ong"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"ma_thu_tuc": ""}, "missing ma_thu_tuc"),
        ({"ma_thu_tuc": "abc"}, "is not a national procedure code"),
        ({"ten_thu_tuc": "   "}, "missing ten_thu_tuc"),
        ({"ten_thu_tuc": 42}, "field ten_thu_tuc must be text"),
        ({"thanh_phan_ho_so": ["a"]}, "field thanh_phan_ho_so must be text"),
        ({"ten_thu_tuc": "x" * 1001}, "ten_thu_tuc is too long"),
        ({"trinh_tu_thuc_hien": "x" * (MAX_FIELD_CHARS + 1)}, "trinh_tu_thuc_hien is too long"),
    ],
)
def test_unusable_records_are_rejected_with_a_reason(
    overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        record_to_procedure(national_record(**overrides), source="t")


def test_empty_optional_fields_give_a_bare_but_valid_record() -> None:
    record = {"ma_thu_tuc": "9.000102", "ten_thu_tuc": "Thủ tục thử", "cach_thuc_thuc_hien": ""}
    procedure, _ = record_to_procedure(record, source="t")
    assert (procedure.channels, procedure.documents, procedure.steps) == ([], [], [])
    assert procedure.link is None


def test_long_list_items_are_cut_not_rejected() -> None:
    long_doc = "Giấy tờ rất dài " * 400
    record = national_record(
        thanh_phan_ho_so=f"Tên giấy tờMẫu đơn, tờ khaiSố lượng{long_doc}1 bản chính"
    )
    procedure, _ = record_to_procedure(record, source="t")
    assert len(procedure.documents[0].name) <= fields.MAX_ITEM_CHARS
    assert procedure.documents[0].name.endswith("…")


def test_non_https_link_is_dropped_with_a_warning() -> None:
    procedure, warnings = record_to_procedure(
        national_record(detail_url="http://x.vn/a"), source="t"
    )
    assert procedure.link is None
    assert any("detail_url dropped" in w for w in warnings)


# -- files ------------------------------------------------------------------------------------


def test_jsonl_with_bad_lines_reports_each_and_keeps_the_good(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            national_record(),
            "{not json",
            "[1, 2]",
            "null",
            national_record(ma_thu_tuc="9.000102", ten_thu_tuc=""),
            national_record(ma_thu_tuc="9.000103"),
            national_record(),  # duplicate of the first
        ],
    )
    results = read_records(path)
    reasons = [(r.position, r.reason) for r in results if not r.ok]
    assert [r.code for r in results if r.ok] == ["9.000101", "9.000103"]
    assert reasons[0][0] == "line 2" and reasons[0][1].startswith("not JSON")
    assert reasons[1] == ("line 3", "expected a JSON object, got list")
    assert reasons[2] == ("line 4", "expected a JSON object, got null")
    assert reasons[3] == ("line 5", "missing ten_thu_tuc")
    assert reasons[4] == ("line 7", "duplicate ma_thu_tuc 9.000101 (first at line 1)")


def test_json_array_and_single_object_files(tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text(json.dumps([national_record(), national_record(ma_thu_tuc="9.000109")]))
    assert [r.code for r in read_records(array)] == ["9.000101", "9.000109"]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(national_record(), indent=2))
    assert [r.code for r in read_records(single)] == ["9.000101"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"[{broken", "is not valid JSON"),
        (b"just some words\nand more", "has no JSON record"),
        (b"\xff\xfe\x00garbage", "is not UTF-8"),
    ],
)
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        read_records(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot read"):
        read_records(tmp_path / "nope.jsonl")


def test_huge_line_is_rejected_alone(tmp_path: Path) -> None:
    huge = national_record(ma_thu_tuc="9.000104", ten_thu_tuc="x" * (importer.MAX_LINE_BYTES + 10))
    path = write_jsonl(tmp_path / "huge.jsonl", [national_record(), huge])
    results = read_records(path)
    assert results[0].ok
    assert results[1].reason is not None and "line is too long" in results[1].reason


# -- database ---------------------------------------------------------------------------------


def test_import_is_idempotent_and_reports_updates(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [national_record(), national_record(ma_thu_tuc="9.000105"), "oops"]
    )
    first = import_file(engine, path)
    assert (first.added, first.updated, first.unchanged, len(first.rejected)) == (2, 0, 0, 1)
    again = import_file(engine, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)

    changed = write_jsonl(
        tmp_path / "b.jsonl", [national_record(ten_thu_tuc="Đăng ký nuôi ong (sửa)")]
    )
    third = import_file(engine, changed)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 0)
    procedures, notes = load_imported(engine)
    assert notes == []
    names = {p.code: p.name for p in procedures}
    assert names == {
        "9.000101": "Đăng ký nuôi ong (sửa)",
        "9.000105": "Đăng ký nuôi ong mật trong khu dân cư",
    }


def test_a_crash_during_the_write_leaves_the_catalogue_as_it_was(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(engine, write_jsonl(tmp_path / "a.jsonl", [national_record()]))
    real_upsert = importer.upsert_imported

    def crash_after_writing(*args: object, **kwargs: object) -> object:
        real_upsert(*args, **kwargs)  # type: ignore[arg-type]
        msg = "simulated crash"
        raise RuntimeError(msg)

    monkeypatch.setattr(importer, "upsert_imported", crash_after_writing)
    batch = [national_record(ten_thu_tuc="Đã đổi"), national_record(ma_thu_tuc="9.000106")]
    with pytest.raises(RuntimeError, match="simulated crash"):
        import_file(engine, write_jsonl(tmp_path / "b.jsonl", batch))
    with read_scope(engine) as session:
        rows = list_imported(session)
        assert [(r.code, r.name) for r in rows] == [
            ("9.000101", "Đăng ký nuôi ong mật trong khu dân cư")
        ]
        assert count_imported(session) == 1


def test_real_dataset_imports_and_is_idempotent(engine: Engine, dataset_path: Path) -> None:
    first = import_file(engine, dataset_path)
    assert first.records == 588
    assert first.rejected == []
    assert first.added == 588
    # Channels with both a time and a fee as numbers (measured: 474 of 588).
    assert first.usable_channels >= 450
    again = import_file(engine, dataset_path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 588)
    procedures, notes = load_imported(engine)
    assert len(procedures) == 588 and notes == []
    by_code = {p.code: p for p in procedures}
    residence = by_code["1.004222"]
    assert {c.kind: c.fee_vnd for c in residence.channels} == {
        "truc_tuyen": 10000,
        "truc_tiep": 20000,
    }
    assert any(d.form == "CT01" for d in residence.documents)
