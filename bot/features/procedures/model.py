"""The procedure record shared by curated content, the importer, search and cards.

Text is stored in NFC. A `Procedure` is the same whether it came from a curated YAML file
(`origin="curated"`) or from the national catalogue (`origin="imported"`); curated content
fills what residents ask about (plain wording, "hay hỏi" notes, aliases) and marks what is
still to be checked in `verify`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.text.normalize import nfc

CODE_RE = re.compile(r"^\d\.\d{6}$")
ChannelKind = Literal["truc_tiep", "truc_tuyen", "buu_chinh"]
CHANNEL_LABELS: dict[str, str] = {
    "truc_tiep": "Trực tiếp",
    "truc_tuyen": "Trực tuyến",
    "buu_chinh": "Qua bưu điện",
}


def _clean(value: Any) -> Any:
    """NFC and trimmed for strings; other values unchanged."""
    if isinstance(value, str):
        return nfc(value).strip()
    return value


def _checked_code(code: str, what: str) -> str:
    if not CODE_RE.fullmatch(code):
        msg = f"{what} must look like 1.001193, got {code!r}"
        raise ValueError(msg)
    return code


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _nfc_strings(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, list):
                out[key] = [_clean(item) for item in value]
            else:
                out[key] = _clean(value)
        return out


class Channel(_Record):
    """One way to file: in person, online or by post, with its processing time and fee."""

    kind: ChannelKind
    # As a resident reads it: "3 ngày làm việc", "Trong ngày".
    time_text: str | None = None
    # The same as a number of days when it is one (hours count as fractions of a day).
    days: float | None = Field(default=None, ge=0)
    # As a resident reads it: "Miễn phí", "20.000đ", "Theo mức của HĐND tỉnh (tham khảo)".
    fee_text: str | None = None
    # The fee in đồng when it is one number (0 = free); None when it varies or is unknown.
    fee_vnd: int | None = Field(default=None, ge=0)
    # Conditions attached to the fee (exemptions, per-page rates), as the source words them.
    fee_note: str | None = None
    # How this channel works (where to send, which portal).
    note: str | None = None

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.kind]

    @property
    def has_time(self) -> bool:
        return self.days is not None

    @property
    def has_fee(self) -> bool:
        return self.fee_vnd is not None


class Document(_Record):
    """One paper to bring or attach; `form` is the form code when there is one (CT01, DC02…)."""

    name: str = Field(min_length=1)
    form: str | None = None
    note: str | None = None


class Procedure(_Record):
    """An administrative procedure (thủ tục hành chính) as the bot knows it."""

    code: str
    name: str = Field(min_length=1, max_length=1000)
    # What a button shows: a short plain name ("Đăng ký khai sinh").
    short_name: str | None = Field(default=None, max_length=60)
    # One plain sentence on what the procedure is for.
    summary: str | None = None
    field: str | None = None
    level: str | None = None
    where: list[str] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    result: str | None = None
    legal_basis: list[str] = Field(default_factory=list)
    link: str | None = None
    reviewed: date | None = None
    source: str = Field(min_length=1)
    # Fields or facts that are not yet confirmed; shown to officials, flagged to residents.
    verify: list[str] = Field(default_factory=list)
    # Who to ask when something is uncertain: the agency that really handles the dossier
    # ("Công an xã", "Chi nhánh Văn phòng đăng ký đất đai"); the commune centre when unset.
    ask: str | None = None
    # When the commune only receives the dossier: the agency that decides it.
    decided_by: str | None = None
    # What to have ready before filing online (level-2 VNeID, photos of papers…).
    ready: list[str] = Field(default_factory=list)
    notes_hay_hoi: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    # Questions as residents really ask them, often without naming the procedure ("bà nội
    # mới mất thì làm giấy gì"): the procedure ranker learns from them (`ranker`).
    examples: list[str] = Field(default_factory=list)
    # Codes of procedures residents often need next (offered as follow-up buttons).
    related: list[str] = Field(default_factory=list)
    origin: Literal["curated", "imported"] = "curated"

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        return _checked_code(value, "procedure code")

    @field_validator("related")
    @classmethod
    def _related_codes(cls, value: list[str]) -> list[str]:
        return [_checked_code(code, "related code") for code in value]

    @field_validator("link")
    @classmethod
    def _https_link(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            msg = f"link must be an https URL, got {value!r}"
            raise ValueError(msg)
        return value

    @property
    def title(self) -> str:
        """The name to show: the short plain name when there is one."""
        return self.short_name or self.name

    @property
    def has_usable_channels(self) -> bool:
        """At least one channel states both a processing time and a fee as numbers."""
        return any(c.has_time and c.has_fee for c in self.channels)


def link_for(code: str) -> str:
    """The procedure's page on the National Public Service Portal."""
    return f"https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={code}"
