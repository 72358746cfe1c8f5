"""Fixtures for the procedure tests: real content, small national-shaped records we wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import PACKAGE_DIR, get_settings
from bot.features.procedures.catalogue import Catalogue, load_catalogue
from bot.features.procedures.evaluation import DEFAULT_DATASET
from bot.features.procedures.search import Lexicon, ProcedureIndex

CONTENT_DIR = PACKAGE_DIR / "content"
DATASET_ENV = "PROCEDURES_DATASET"


def national_record(**overrides: Any) -> dict[str, Any]:
    """A record in the national catalogue's shape (text written for these tests)."""
    record: dict[str, Any] = {
        "ma_thu_tuc": "9.000101",
        "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/test-0001",
        "ten_thu_tuc": "Đăng ký nuôi ong mật trong khu dân cư",
        "cap_thuc_hien": "Cấp xã",
        "linh_vuc": "Nông nghiệp",
        "co_quan_thuc_hien": "Ủy ban nhân dân cấp xã",
        "dia_chi_tiep_nhan": "",
        "trinh_tu_thuc_hien": (
            "Bước 1: Người nuôi chuẩn bị hồ sơ.\nBước 2: Nộp hồ sơ tại xã.\nBước 3: Nhận kết quả."
        ),
        "cach_thuc_thuc_hien": (
            "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việc"
            "30,000 Việt Nam Đồng(Hộ nghèo được miễn.)Nộp tại bộ phận một cửa của xã."
            "Trực tuyến3 Ngày làm việcMiễn phíNộp qua Cổng Dịch vụ công quốc gia."
            "Dịch vụ bưu chínhKhông có thông tinKhông có thông tin"
        ),
        "thanh_phan_ho_so": (
            "--Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai đăng ký nuôi ong (mẫu NO01)"
            "Mau NO01 to khai.docx1 bản chínhSơ đồ vị trí đặt thùng ong0 bản chính,1 bản sao"
        ),
        "can_cu_phap_ly": (
            "Tên văn bản pháp lýMã văn bảnLuật Chăn nuôi32/2018/QH14"
            "Nghị định quy định chi tiết về nuôi ong13/2020/NĐ-CP"
        ),
        "yeu_cau_dieu_kien": "Thùng ong đặt cách nhà ở ít nhất 10 mét.",
        "ket_qua_xu_ly": "Giấy xác nhận đăng ký nuôi ong.Mã: KQ.0001Từ khóaKhông có thông tin",
        "bo": "bo-thu-nghiem",
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No shared cache or database: each test gets its own."""
    monkeypatch.setenv("PROCEDURES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'bot.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def curated_catalogue() -> Catalogue:
    return load_catalogue(CONTENT_DIR, None)


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return Lexicon.load(CONTENT_DIR)


@pytest.fixture(scope="session")
def curated_index(curated_catalogue: Catalogue, lexicon: Lexicon) -> ProcedureIndex:
    return ProcedureIndex.build(curated_catalogue.values(), lexicon)


@pytest.fixture(scope="session")
def dataset_path() -> Path:
    """The real national dataset (588 records), when it is beside the repository."""
    import os

    path = Path(os.environ.get(DATASET_ENV) or DEFAULT_DATASET)
    if not path.is_file():
        pytest.skip(f"national dataset not found at {path} (set {DATASET_ENV})")
    return path
