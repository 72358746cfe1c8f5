"""Parsers for the national catalogue's flattened table cells: channels (time and fee),
documents, legal basis, steps. Best effort: odd text stays text, nothing raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.features.procedures.model import Channel, ChannelKind, Document
from bot.text.normalize import nfc

MAX_ITEM_CHARS = 2000


MAX_ITEMS = 80


NO_INFO = re.compile(
    r"^\s*(?:Không có thông tin|Không quy định|Không|Chưa có thông tin)?\s*[.;]?\s*$"
)


CHANNEL_KINDS: dict[str, ChannelKind] = {
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
            kind=CHANNEL_KINDS[m["kind"]],
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
        fee_note_text = None if NO_INFO.fullmatch(clean_note) else cut(clean_note)
        days = _days(num, unit) if num is not None else None
        channels.append(
            Channel(
                kind=row.kind,
                time_text=_time_text(num, unit, row.no_time),
                days=days,
                fee_text=fee_text,
                fee_vnd=fee_vnd,
                fee_note=fee_note_text,
                note=cut(description) if description else None,
            )
        )
    if not channels and text.strip() and not NO_INFO.fullmatch(text):
        warnings.append("no channel row could be read")
    return channels, warnings


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
        docs.append(Document(name=cut(name), form=form, note="; ".join(note_parts)))
        if len(docs) >= MAX_ITEMS:
            warnings.append(f"documents cut at {MAX_ITEMS} items")
            break
    if not docs:
        # No table structure: keep the text as one item rather than lose it.
        remainder = _DOC_HEADER.sub(" ", text).strip(" -")
        if remainder:
            docs.append(Document(name=cut(remainder), form=form_code(remainder), note=None))
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
        title = cut(title, _LEGAL_TITLE_CHARS) if title else ""
        entry = title if code in title else (f"{title} ({code})" if title else code)
        out.append(entry)
        if len(out) >= MAX_ITEMS:
            break
    tail = re.sub(r"\s+", " ", body[pos:].replace(_CELL, " ")).strip(" ;,:-")
    if tail and not out:
        out.append(cut(tail, _LEGAL_TITLE_CHARS))
    return out


_STEP = re.compile(r"(?=\bBước\s*\d+\s*[:.)-])")


_RESULT_TAIL = re.compile(r"(?:Mã:\s*KQ|Từ khóa|Chọn cơ quan thực hiện).*$", re.S)


def parse_steps(text: str) -> list[str]:
    text = nfc(text or "").strip()
    if NO_INFO.fullmatch(text):
        return []
    parts = [p.strip() for p in _STEP.split(text) if p.strip()]
    if len(parts) <= 1:
        parts = [p.strip(" -") for p in text.split("\n") if p.strip(" -")]
    return [cut(re.sub(r"[ \t]+", " ", p)) for p in parts[:MAX_ITEMS]]


def parse_result(text: str) -> str | None:
    text = _RESULT_TAIL.sub("", nfc(text or "")).strip()
    return None if NO_INFO.fullmatch(text) else cut(text)


def parse_conditions(text: str) -> list[str]:
    text = nfc(text or "").strip()
    if NO_INFO.fullmatch(text):
        return []
    parts = [p.strip(" -+•") for p in text.split("\n") if p.strip(" -+•")]
    return [cut(p) for p in parts[:MAX_ITEMS]]


def cut(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(text)).strip()
