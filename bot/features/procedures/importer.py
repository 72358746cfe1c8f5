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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from bot.features.procedures.fields import (
    NO_INFO,
    cut,
    one_line,
    parse_channels,
    parse_conditions,
    parse_documents,
    parse_legal_basis,
    parse_result,
    parse_steps,
)
from bot.features.procedures.model import CODE_RE, Procedure
from db.procedures import ProcedureRow, upsert_imported
from db.session import session_scope

# Limits: a field above MAX_FIELD_CHARS rejects the record (no real record comes close:
# the largest in the national data is about 52,000 characters); list items and free texts
# above MAX_ITEM_CHARS are cut with an ellipsis and reported as a warning.
MAX_FIELD_CHARS = 100_000


MAX_NAME_CHARS = 1000


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
    code = one_line(raw.get("ma_thu_tuc") or "")
    if not code:
        msg = "missing ma_thu_tuc"
        raise ValueError(msg)
    if not CODE_RE.fullmatch(code):
        msg = f"ma_thu_tuc {code[:40]!r} is not a national procedure code (like 1.001193)"
        raise ValueError(msg)
    name = one_line(raw.get("ten_thu_tuc") or "")
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
        value = one_line(raw.get(key) or "")
        if value and not NO_INFO.fullmatch(value):
            where.append(cut(value, 500))
    link = one_line(raw.get("detail_url") or "") or None
    if link is not None and not link.startswith("https://"):
        warnings.append(f"detail_url dropped (not https): {link[:80]}")
        link = None
    try:
        procedure = Procedure(
            code=code,
            name=name,
            field=one_line(raw.get("linh_vuc") or "") or None,
            level=one_line(raw.get("cap_thuc_hien") or "") or None,
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
        code = one_line(raw_code)[:40] if isinstance(raw_code, str) else None
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
