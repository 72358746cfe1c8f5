"""Read the national procedure database's records (JSON or JSONL) into `Procedure`s.

The national catalogue (CSDL quốc gia về TTHC), as crawled from dichvucong.gov.vn, keeps
several tables as flattened text in which the cells run into each other:

- ``cach_thuc_thuc_hien``: ``Hình thức nộpThời gianPhí, lệ phíMô tả`` then, per channel,
  ``Trực tiếp`` + time (``3 Ngày làm việc``, ``7 Ngày``, ``24 Giờ``, a bare ``1``, ``Không quy
  định``) + fee (``Miễn phí``, ``10,000 Việt Nam Đồng``, ``Không có thông tin``) + an optional
  ``(fee note)`` + a free description.
- ``thanh_phan_ho_so``: ``Tên giấy tờMẫu đơn, tờ khaiSố lượng`` then rows of name + form file
  name (``Mau CT01.docx``) + quantity (``1 bản chính``, ``0 bản chính,1 bản sao``), possibly in
  several sections, each with its own header.
- ``can_cu_phap_ly``: ``Tên văn bản pháp lýMã văn bản`` then rows of title + document number.

Parsing is best effort and never raises on odd text: what cannot be read as a number stays
as text (``days``/``fee_vnd`` are None). A record is rejected, with a reason, only when it
is not a usable procedure at all (no code, no name, wrong types, absurd sizes).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from bot.features.procedures.model import CODE_RE, Channel, ChannelKind, Document, Procedure
from bot.text.normalize import nfc
from db.procedures import ProcedureRow, upsert_imported
from db.session import session_scope

# Limits: a field above MAX_FIELD_CHARS rejects the record (no real record comes close:
# the largest in the national data is about 52,000 characters); list items and free texts
# above MAX_ITEM_CHARS are cut with an ellipsis and reported as a warning.
MAX_FIELD_CHARS = 100_000
MAX_NAME_CHARS = 1000
MAX_ITEM_CHARS = 2000
MAX_ITEMS = 80
MAX_LINE_BYTES = 1_000_000
MAX_FILE_BYTES = 200_000_000

TEXT_FIELDS = (
    "ma_thu_tuc",
    "ten_thu_tuc",
    "detail_url",
    "cap_thuc_hien",
    "linh_vuc",
    "co_quan_thuc_hien",
    "co_quan_co_tham_quyen",
    "dia_chi_tiep_nhan",
    "trinh_tu_thuc_hien",
    "cach_thuc_thuc_hien",
    "thanh_phan_ho_so",
    "can_cu_phap_ly",
    "yeu_cau_dieu_kien",
    "ket_qua_xu_ly",
    "so_quyet_dinh",
    "doi_tuong_thuc_hien",
)
NO_INFO = re.compile(
    r"^\s*(?:Không có thông tin|Không quy định|Không|Chưa có thông tin)?\s*[.;]?\s*$"
)

# ---------------------------------------------------------------------------------------------
# Channels: kind, time, fee


_KINDS: dict[str, ChannelKind] = {
    "Trực tiếp": "truc_tiep",
    "Trực tuyến": "truc_tuyen",
    "Dịch vụ bưu chính": "buu_chinh",
}
_UNIT = r"(?:Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút|Tuần)"
_TIME = (
    rf"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>{_UNIT})?"
    r"|(?P<none>Không có thông tin|Không quy định"
    r"|Không phải trả kết quả[^A-ZĐ]*?(?=Miễn|Không|\d)|Không\s?)"
)
_FEE = (
    r"(?P<free>Miễn phí|Không thu)"
    r"|(?P<nofee>Không có thông tin)"
    r"|(?P<amount>\d[\d.,]*)\s*(?P<currency>Việt Nam Đồng|VNĐ|đồng|USD)"
)
_ROW = re.compile(
    r"(?P<kind>Trực tiếp|Trực tuyến|Dịch vụ bưu chính)"
    rf"(?:{_TIME})"
    rf"(?:{_FEE})"
)
_AMOUNT_IN_NOTE = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|đ\b|Đ\b|vnđ|VNĐ)", re.I)
_HOURS_PER_DAY = 24


@dataclass(frozen=True)
class _RawRow:
    kind: ChannelKind
    start: int
    end: int
    num: str | None
    unit: str | None
    no_time: str | None
    free: bool
    no_fee: bool
    amount: str | None
    currency: str | None


def _money(text: str) -> int | None:
    """ "10,000" or "10.000" → 10000; None when it is not a whole number of đồng."""
    digits = text.replace(",", "").replace(".", "")
    if not digits.isdigit():
        return None
    return int(digits)


def _balanced_paren(text: str, start: int) -> int:
    """Index just after the parenthesised group opening at `start` (or `start` if none)."""
    if start >= len(text) or text[start] != "(":
        return start
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def _days(num: str, unit: str | None) -> float | None:
    try:
        value = float(num.replace(",", "."))
    except ValueError:
        return None
    unit = (unit or "Ngày").lower()
    if unit.startswith("giờ"):
        return round(value / _HOURS_PER_DAY, 3)
    if unit.startswith("tuần"):
        return value * 7
    if unit.startswith("tháng"):
        return value * 30
    if unit.startswith("năm"):
        return value * 365
    if unit.startswith("phút"):
        return round(value / (_HOURS_PER_DAY * 60), 4)
    return value


def _time_text(num: str | None, unit: str | None, no_time: str | None) -> str | None:
    if num is None:
        text = (no_time or "").strip()
        if text.startswith("Không phải trả kết quả"):
            return "Không phải chờ kết quả"
        return "Không quy định" if text.startswith("Không quy định") else None
    return f"{num} {(unit or 'ngày').lower()}"


def _split_bare_number(digits: str, amount_hint: int | None) -> tuple[str, str] | None:
    """A bare time glued to a number fee ("120 VNĐ"): find the split the fee note confirms."""
    for cut in range(1, len(digits)):
        time_part, fee_part = digits[:cut], digits[cut:]
        if fee_part.startswith(("0", ",", ".")):
            continue
        fee = _money(fee_part)
        if fee is None or amount_hint is None:
            continue
        if amount_hint in (fee, fee * 1000):
            return time_part, fee_part
    return None


def parse_channels(text: str) -> tuple[list[Channel], list[str]]:
    """The channels table → channels, plus warnings about cells that could not be read."""
    warnings: list[str] = []
    text = nfc(text or "")
    rows = [
        _RawRow(
            kind=_KINDS[m["kind"]],
            start=m.start(),
            end=m.end(),
            num=m["num"],
            unit=m["unit"],
            no_time=m["none"],
            free=m["free"] is not None,
            no_fee=m["nofee"] is not None,
            amount=m["amount"],
            currency=m["currency"],
        )
        for m in _ROW.finditer(text)
    ]
    channels: list[Channel] = []
    for i, row in enumerate(rows):
        after = _balanced_paren(text, row.end)
        fee_note = text[row.end + 1 : after - 1].strip() if after > row.end else ""
        desc_end = rows[i + 1].start if i + 1 < len(rows) else len(text)
        description = text[after:desc_end].strip()
        num, unit = row.num, row.unit
        fee_vnd: int | None = None
        fee_text: str | None = None
        if row.free:
            fee_vnd = 0
        elif not row.no_fee:
            assert row.amount is not None  # the regex guarantees one of the three branches
            amount: str | None = row.amount
            hint_match = _AMOUNT_IN_NOTE.search(fee_note)
            hint = _money(hint_match.group(1)) if hint_match else None
            if num is not None and unit is None and row.currency != "USD":
                # "Trực tuyến" + "1" + "20 VNĐ" arrives as "120 VNĐ": the cells ran together.
                split = _split_bare_number(num + (amount or ""), hint)
                if split is not None:
                    num, amount = split
                else:
                    warnings.append(f"{row.kind}: time and fee ran together ({num}{amount})")
                    num = amount = None
            value = _money(amount) if amount is not None else None
            if row.currency == "USD":
                fee_text = f"{amount} USD" if amount else None
            elif value is not None and hint is not None and value * 1000 == hint:
                fee_vnd = hint  # the table says "20" where the note says "20.000 đồng"
            else:
                fee_vnd = value
        clean_note = fee_note.strip("() ")
        fee_note_text = None if NO_INFO.fullmatch(clean_note) else _cut(clean_note)
        days = _days(num, unit) if num is not None else None
        channels.append(
            Channel(
                kind=row.kind,
                time_text=_time_text(num, unit, row.no_time),
                days=days,
                fee_text=fee_text,
                fee_vnd=fee_vnd,
                fee_note=fee_note_text,
                note=_cut(description) if description else None,
            )
        )
    if not channels and text.strip() and not NO_INFO.fullmatch(text):
        warnings.append("no channel row could be read")
    return channels, warnings


# ---------------------------------------------------------------------------------------------
# Documents

_DOC_HEADER = re.compile(r"-*\s*Tên giấy tờ\s*Mẫu đơn, tờ khai\s*Số lượng")
_QUANTITY = re.compile(
    r"(?P<q>(?:(?<!\d)\d{1,2}|\d)\s*bản\s*(?:chính|sao)(?:\s*,\s*\d{1,2}\s*bản\s*(?:chính|sao))?)"
)
_FILE_END = re.compile(r"\.(?:docx?|pdf|xlsx?|rtf|odt)\s*$", re.I)
_FILE_NAME_CHARS = 100
_FORM = re.compile(
    r"\b(?:mẫu|mẫu số|tờ khai)\s*(?:số\s*)?:?\s*"
    r"(?P<code>[A-ZĐ]{1,4}[\s.-]?\d{1,3}(?:[a-z]|[-/][A-Z0-9]{1,6})*)",
    re.I,
)
_KNOWN_FORM = re.compile(
    r"\b(?P<code>(?:CT|DC|CC|TK|HK|NA|TP/HT|BM)[-. ]?\d{1,3}(?:-[A-Z]{1,3})?)\b"
)


def form_code(text: str) -> str | None:
    """The form code a document names ("Tờ khai thay đổi thông tin cư trú (mẫu CT01)" → CT01)."""
    m = _KNOWN_FORM.search(text)
    if m:
        return re.sub(r"[. ]", "", m["code"]).upper()
    m = _FORM.search(text)
    if m and any(ch.isdigit() for ch in m["code"]) and any(ch.isalpha() for ch in m["code"]):
        return re.sub(r"\s", "", m["code"])
    return None


def parse_documents(text: str) -> tuple[list[Document], list[str]]:
    """The documents table → documents (name, form, quantity as a note)."""
    warnings: list[str] = []
    text = nfc(text or "")
    if NO_INFO.fullmatch(text):
        return [], warnings
    docs: list[Document] = []
    pos = 0
    header = _DOC_HEADER.search(text)
    section_note: str | None = None
    if header:
        intro = text[: header.start()].strip(" -:*")
        section_note = intro or None
        pos = header.end()
    for m in _QUANTITY.finditer(text, pos):
        chunk = text[pos : m.start()]
        pos = m.end()
        inner = _DOC_HEADER.search(chunk)
        if inner:
            intro = chunk[: inner.start()].strip(" -:*")
            section_note = intro or section_note
            chunk = chunk[inner.end() :]
        name, form_file = _split_form_file(chunk)
        name = name.strip(" -+*•;:\n\t")
        if not name:
            continue
        form = form_code(name) or (form_code(form_file) if form_file else None)
        quantity = m["q"]
        note_parts = [quantity]
        if quantity.startswith("0 bản chính") and "bản sao" not in quantity:
            note_parts = ["xuất trình hoặc tham khảo"]
        if section_note and len(section_note) <= 120:
            note_parts.append(section_note)
        docs.append(Document(name=_cut(name), form=form, note="; ".join(note_parts)))
        if len(docs) >= MAX_ITEMS:
            warnings.append(f"documents cut at {MAX_ITEMS} items")
            break
    if not docs:
        # No table structure: keep the text as one item rather than lose it.
        remainder = _DOC_HEADER.sub(" ", text).strip(" -")
        if remainder:
            docs.append(Document(name=_cut(remainder), form=form_code(remainder), note=None))
            warnings.append("documents table had no quantity column; kept as text")
    return docs, warnings


def _split_form_file(chunk: str) -> tuple[str, str | None]:
    """Separate a trailing form file name ("…(mẫu CT01)Mau CT01.docx") from the document name.

    The file name cell is glued to the name: it starts after the name's last ")" or ";", or
    else where a capitalised word is glued to the previous one ("…01/TAINMẫu số 01 TAIN.docx").
    """
    m = _FILE_END.search(chunk)
    if m is None:
        return chunk, None
    head = chunk[: m.start()]
    window = max(0, len(head) - _FILE_NAME_CHARS)
    boundary = max(head.rfind(")", window), head.rfind(";", window))
    if boundary >= 0:
        boundary += 1
    else:
        glued = [
            i
            for i in range(max(window, 1), len(head) - 1)
            if head[i - 1].isalnum() and head[i].isupper() and head[i + 1].islower()
        ]
        if not glued:
            return chunk, None
        boundary = glued[0]
    return chunk[:boundary], chunk[boundary:].strip() or None


# ---------------------------------------------------------------------------------------------
# Legal basis

_LEGAL_HEADER = re.compile(r"Tên văn bản pháp lý\s*Mã văn bản")
# "Luật Cư trú 2020" + "68/2020/QH14" and "ngày 29/6/2024" + "43/2024/QH15" arrive glued.
_GLUED_YEAR = re.compile(r"((?:\d{1,2}/\d{1,2}/)?(?:19|20)\d{2})(?=\d{1,4}(?:\.\d{1,2})?/\d{4}/)")
_DOC_NUMBER = re.compile(
    r"(?<![\d/])(?<!\d\.)\d{1,4}(?:\.\d{1,2})?/\d{4}/"
    r"(?P<suffix>[A-ZĐ]+(?:\d{1,2}(?![\d/]))?(?:-(?:TTg|[A-ZĐ]+(?:\d{1,2}(?![\d/]))?))*)"
)
_GLUED_NGAY = re.compile(r"([A-ZĐ])(ngày)")
_LOWER_WORDS_AFTER_NUMBER = ("ngày", "năm", "của", "về", "và", "quy", "sửa", "hướng")
_LEGAL_TITLE_CHARS = 300
_CELL = " \x1f"  # marks a cell boundary found between a glued year and a number


def _number_end(text: str, m: re.Match[str]) -> int:
    """Where a document number really ends when the next title is glued to it ("…TT-BCAThông")."""
    end = m.end()
    if end < len(text) and text[end].islower() and text[end].isalpha():
        rest = text[end:].lower()
        if (
            not rest.startswith(_LOWER_WORDS_AFTER_NUMBER)
            and m.end("suffix") - m.start("suffix") > 1
        ):
            end -= 1
    return end


def parse_legal_basis(text: str) -> list[str]:
    """The legal-basis table → "Title (number)" lines, one per legal document, in order given.

    The number cell of each row is glued to the end of the row's title ("…Luật Hộ
    tịch123/2015/NĐ-CP"), while numbers quoted inside a title follow a space ("Nghị định số
    123/2015/NĐ-CP ngày…"): a number right after a non-space character ends a row.
    """
    text = nfc(text or "")
    if NO_INFO.fullmatch(text):
        return []
    m = _LEGAL_HEADER.search(text)
    body = _GLUED_YEAR.sub(lambda g: g.group(1) + _CELL, text[m.end() :] if m else text)
    out: list[str] = []
    codes: set[str] = set()
    pos = 0
    for number in _DOC_NUMBER.finditer(body):
        glued = number.start() > 0 and not body[number.start() - 1].isspace()
        after_marker = number.start() > 1 and body[number.start() - 2 : number.start()] == _CELL
        if not (glued or after_marker or number.start() == pos):
            continue
        end = _number_end(body, number)
        code = body[number.start() : end]
        title = re.sub(r"\s+", " ", body[pos : number.start()].replace(_CELL, " ")).strip(" ;,:-")
        title = _GLUED_NGAY.sub(r"\1 \2", title)
        pos = end
        if code in codes:
            continue
        codes.add(code)
        title = _cut(title, _LEGAL_TITLE_CHARS) if title else ""
        entry = title if code in title else (f"{title} ({code})" if title else code)
        out.append(entry)
        if len(out) >= MAX_ITEMS:
            break
    tail = re.sub(r"\s+", " ", body[pos:].replace(_CELL, " ")).strip(" ;,:-")
    if tail and not out:
        out.append(_cut(tail, _LEGAL_TITLE_CHARS))
    return out


# ---------------------------------------------------------------------------------------------
# Steps, result, conditions

_STEP = re.compile(r"(?=\bBước\s*\d+\s*[:.)-])")
_RESULT_TAIL = re.compile(r"(?:Mã:\s*KQ|Từ khóa|Chọn cơ quan thực hiện).*$", re.S)


def parse_steps(text: str) -> list[str]:
    text = nfc(text or "").strip()
    if NO_INFO.fullmatch(text):
        return []
    parts = [p.strip() for p in _STEP.split(text) if p.strip()]
    if len(parts) <= 1:
        parts = [p.strip(" -") for p in text.split("\n") if p.strip(" -")]
    return [_cut(re.sub(r"[ \t]+", " ", p)) for p in parts[:MAX_ITEMS]]


def parse_result(text: str) -> str | None:
    text = _RESULT_TAIL.sub("", nfc(text or "")).strip()
    return None if NO_INFO.fullmatch(text) else _cut(text)


def parse_conditions(text: str) -> list[str]:
    text = nfc(text or "").strip()
    if NO_INFO.fullmatch(text):
        return []
    parts = [p.strip(" -+•") for p in text.split("\n") if p.strip(" -+•")]
    return [_cut(p) for p in parts[:MAX_ITEMS]]


def _cut(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(text)).strip()


# ---------------------------------------------------------------------------------------------
# Records


@dataclass
class RecordResult:
    """The outcome of reading one input record: a procedure, or the reason it was rejected."""

    position: str  # "line 12" or "item 3"
    code: str | None
    procedure: Procedure | None = None
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.procedure is not None


class ImportFileError(Exception):
    """The input as a whole could not be read (missing, not JSON/JSONL, wrong top-level shape)."""


def record_to_procedure(raw: Mapping[str, Any], *, source: str) -> tuple[Procedure, list[str]]:
    """One national record → a `Procedure` and parse warnings.

    Raises ValueError with a reason when the record is not a usable procedure.
    """
    for key in TEXT_FIELDS:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            msg = f"field {key} must be text, got {type(value).__name__}"
            raise ValueError(msg)
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            msg = f"field {key} is too long ({len(value):,} characters, limit {MAX_FIELD_CHARS:,})"
            raise ValueError(msg)
    code = _one_line(raw.get("ma_thu_tuc") or "")
    if not code:
        msg = "missing ma_thu_tuc"
        raise ValueError(msg)
    if not CODE_RE.fullmatch(code):
        msg = f"ma_thu_tuc {code[:40]!r} is not a national procedure code (like 1.001193)"
        raise ValueError(msg)
    name = _one_line(raw.get("ten_thu_tuc") or "")
    if not name:
        msg = "missing ten_thu_tuc"
        raise ValueError(msg)
    if len(name) > MAX_NAME_CHARS:
        msg = f"ten_thu_tuc is too long ({len(name):,} characters, limit {MAX_NAME_CHARS})"
        raise ValueError(msg)
    warnings: list[str] = []
    channels, channel_warnings = parse_channels(raw.get("cach_thuc_thuc_hien") or "")
    warnings += channel_warnings
    documents, doc_warnings = parse_documents(raw.get("thanh_phan_ho_so") or "")
    warnings += doc_warnings
    where = []
    for key in ("co_quan_thuc_hien", "dia_chi_tiep_nhan"):
        value = _one_line(raw.get(key) or "")
        if value and not NO_INFO.fullmatch(value):
            where.append(_cut(value, 500))
    link = _one_line(raw.get("detail_url") or "") or None
    if link is not None and not link.startswith("https://"):
        warnings.append(f"detail_url dropped (not https): {link[:80]}")
        link = None
    try:
        procedure = Procedure(
            code=code,
            name=name,
            field=_one_line(raw.get("linh_vuc") or "") or None,
            level=_one_line(raw.get("cap_thuc_hien") or "") or None,
            where=where,
            channels=channels,
            documents=documents,
            steps=parse_steps(raw.get("trinh_tu_thuc_hien") or ""),
            conditions=parse_conditions(raw.get("yeu_cau_dieu_kien") or ""),
            result=parse_result(raw.get("ket_qua_xu_ly") or ""),
            legal_basis=parse_legal_basis(raw.get("can_cu_phap_ly") or ""),
            link=link,
            source=source,
            origin="imported",
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where_err = ".".join(str(p) for p in first["loc"])
        msg = f"invalid record: {where_err}: {first['msg']}"
        raise ValueError(msg) from None
    return procedure, warnings


def content_hash(procedure: Procedure) -> str:
    """A stable hash of the parsed record: equal hashes mean nothing to update."""
    payload = json.dumps(procedure.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _items(path: Path) -> Iterator[tuple[str, Any, str | None]]:
    """(position, parsed object or None, error) for each record of a JSON or JSONL file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise ImportFileError(msg) from None
    if size > MAX_FILE_BYTES:
        msg = f"{path} is too large ({size:,} bytes, limit {MAX_FILE_BYTES:,})"
        raise ImportFileError(msg)
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise ImportFileError(msg) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{path} is not UTF-8 text (byte {exc.start})"
        raise ImportFileError(msg) from None
    stripped = text.lstrip()
    if not stripped:
        msg = f"{path} is empty"
        raise ImportFileError(msg)
    if stripped.startswith("["):
        try:
            array = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            raise ImportFileError(msg) from None
        for i, obj in enumerate(array, start=1):
            yield f"item {i}", obj, None
        return
    if stripped.startswith("{"):
        # A single JSON document (one record, or {"records": [...]}) or JSON lines.
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict):
            records = whole.get("records") or whole.get("data")
            if isinstance(records, list):
                for i, obj in enumerate(records, start=1):
                    yield f"item {i}", obj, None
            else:
                yield "item 1", whole, None
            return
    good_lines = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line.encode("utf-8")) > MAX_LINE_BYTES:
            yield f"line {lineno}", None, f"line is too long ({len(line):,} characters)"
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"line {lineno}", None, f"not JSON ({exc.msg}, column {exc.colno})"
            continue
        good_lines += 1
        yield f"line {lineno}", obj, None
    if good_lines == 0:
        msg = f"{path} has no JSON record (expected a JSON array or one JSON object per line)"
        raise ImportFileError(msg)


def read_records(path: Path, *, source: str | None = None) -> list[RecordResult]:
    """Parse every record of `path`; raises ImportFileError when the file itself is unusable."""
    label = source or path.name
    results: list[RecordResult] = []
    seen: dict[str, str] = {}
    for position, obj, error in _items(path):
        if error is not None:
            results.append(RecordResult(position=position, code=None, reason=error))
            continue
        if not isinstance(obj, dict):
            kind = "null" if obj is None else type(obj).__name__
            reason = f"expected a JSON object, got {kind}"
            results.append(RecordResult(position=position, code=None, reason=reason))
            continue
        raw_code = obj.get("ma_thu_tuc")
        code = _one_line(raw_code)[:40] if isinstance(raw_code, str) else None
        try:
            procedure, warnings = record_to_procedure(obj, source=f"import: {label}")
        except ValueError as exc:
            results.append(RecordResult(position=position, code=code, reason=str(exc)))
            continue
        if procedure.code in seen:
            reason = f"duplicate ma_thu_tuc {procedure.code} (first at {seen[procedure.code]})"
            results.append(RecordResult(position=position, code=procedure.code, reason=reason))
            continue
        seen[procedure.code] = position
        results.append(
            RecordResult(
                position=position, code=procedure.code, procedure=procedure, warnings=warnings
            )
        )
    return results


@dataclass
class ImportReport:
    """What an import did: counts per outcome, and every rejected record with its reason."""

    path: str
    records: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RecordResult] = field(default_factory=list)
    # Records whose channels give both a time and a fee as numbers for at least one channel.
    usable_channels: int = 0
    with_warnings: int = 0

    @property
    def accepted(self) -> int:
        return self.added + self.updated + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "records": self.records,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "usable_channels": self.usable_channels,
            "with_warnings": self.with_warnings,
            "rejections": [
                {"position": r.position, "code": r.code, "reason": r.reason} for r in self.rejected
            ],
        }


def import_file(engine: Engine, path: Path, *, source: str | None = None) -> ImportReport:
    """Read `path` and write its procedures in one transaction: all of them or none.

    Rejected records are reported and skipped; they never stop the import. Raises
    ImportFileError when the file cannot be read at all.
    """
    results = read_records(path, source=source)
    report = ImportReport(path=str(path), records=len(results))
    rows: list[ProcedureRow] = []
    for result in results:
        if result.procedure is None:
            report.rejected.append(result)
            continue
        procedure = result.procedure
        report.usable_channels += procedure.has_usable_channels
        report.with_warnings += bool(result.warnings)
        rows.append(
            ProcedureRow(
                code=procedure.code,
                name=procedure.name,
                field=procedure.field[:300] if procedure.field else None,
                record=procedure.model_dump(mode="json"),
                content_hash=content_hash(procedure),
            )
        )
    with session_scope(engine) as session:
        outcomes = upsert_imported(session, rows=rows, source_file=(source or path.name)[:500])
    for outcome in outcomes.values():
        if outcome == "added":
            report.added += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
    return report
