"""Find and mask secrets residents should never send: CCCD numbers, OTP codes, passwords,
cards (number, CVV, expiry) and bank account numbers.

`redact(text)` runs on every inbound text before it is stored or logged. What it masks
is replaced by a visible marker (e.g. ``[đã ẩn số căn cước]``) so that content editors
reading unanswered questions still see what kind of thing was there. Redacting twice
changes nothing (no marker holds a digit or a word that starts a new match), and every
pattern runs in time linear in the text (bounded repetitions only).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.text.normalize import fold

CCCD = "cccd"
OTP = "otp"
PASSWORD = "password"
CARD = "card"
CVV = "cvv"
EXPIRY = "expiry"
ACCOUNT = "account"

MARKERS = {
    CCCD: "[đã ẩn số định danh]",
    OTP: "[đã ẩn mã OTP]",
    PASSWORD: "[đã ẩn mật khẩu]",
    CARD: "[đã ẩn số thẻ]",
    CVV: "[đã ẩn CVV]",
    EXPIRY: "[đã ẩn hạn thẻ]",
    ACCOUNT: "[đã ẩn số tài khoản]",
}


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Each base letter and every Vietnamese letter that folds to it: "a" → "aàáạ…ẫậ"."""
    table: dict[str, set[str]] = {}
    for code in range(0x00C0, 0x1EFF + 1):
        ch = chr(code)
        if not ch.isalpha() or unicodedata.combining(ch):
            continue
        base = fold(ch)
        if len(base) == 1 and base.isascii():
            table.setdefault(base, {base}).add(ch.lower())
    return {base: "".join(sorted(chars)) for base, chars in table.items()}


def _loose(phrase: str) -> str:
    """A pattern for a folded phrase typed with, without or with some diacritics."""
    variants = _variants()
    parts = []
    for ch in phrase:
        if ch == " ":
            parts.append(r"\s*")
        elif ch in variants:
            parts.append("[" + re.escape(variants[ch]) + "]")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


def _words(*phrases: str) -> str:
    return r"\b(?:" + "|".join(_loose(p) for p in phrases) + r")\b"


# Digits that may be typed with spaces, dots or dashes between groups: "0791 2345 6789".
_DIGIT_RUN = re.compile(r"(?<![\w])\d(?:[ .\-]?\d){7,22}(?![\w])")
# A one-time code: 4–8 digits, or 2–3-digit groups split by spaces or dashes ("48-39-26");
# not part of a longer number such as "20.000" or a date "12-05-2024". Punctuation after it
# ("483921.", "483921,") ends it.
_SHORT_CODE = re.compile(
    r"(?<![\w])(?<!\d[.,\-])(?:\d{4,8}|\d{2,3}(?:[ \-]\d{2,3}){1,3})(?![\w])(?![.,\-]\d)"
)
_TRAILING_PUNCT = ".,;!?…"
# Words after which a short number is a one-time code or a passcode.
_CODE_CONTEXT = re.compile(
    r"\b(otp|ma xac (nhan|thuc)|ma kich hoat|ma so|ma|code|passcode|pass code|ma pin|pin)\b"
)
# Words never mistaken for the name of what follows: a separator, or a marker's bracket.
_GAP_WORD = r"(?:\s+(?!(?:là|la)\b)[^\s:=.,;!?\[\]]{1,40})"
_SEPARATOR = r"(?:\s*(?:\b(?:là|la)\b|[:=])\s*)"
# "mật khẩu là abc123", "mk: Abc@123", "pass abc", "mật khẩu VNeID của tôi: Pw_secret77":
# mask the next token; never the words of a marker already there ("[đã ẩn mật khẩu]").
_PASSWORD_CONTEXT = re.compile(
    r"(?i)(?<!ẩn )(" + _words("mat khau", "mk", "pass", "password", "passcode") + ")"
    r"(" + _GAP_WORD + r"{0,4}?" + _SEPARATOR + r"|\s*)(\S+)"
)
# What a question puts where a password would be: "mật khẩu là gì?" keeps its words.
_NOT_A_SECRET = frozenset({"gi", "j", "sao", "the nao", "nao", "bao nhieu", "dau", "ai", "ko"})
# "stk 0123456789012", "số tài khoản Vietcombank của tôi là 0123 4567 89012".
_ACCOUNT = re.compile(
    "(?i)("
    + _words("stk", "so tk", "so tai khoan", "tai khoan ngan hang", "tk ngan hang", "account")
    + _GAP_WORD
    + "{0,4}?"
    + r"(?:\s*(?:\b(?:là|la)\b|[:=])?\s*))(?<![\w])(\d(?:[ .\-]?\d){5,22})(?![\w])"
)
# "cvv 123", "mã CVV: 1234".
_CVV = re.compile(
    "(?i)("
    + _words("cvv", "cvv2", "cvc", "cvc2", "ma bao mat the")
    + r"\s*[:=]?\s*)(\d{3,4})(?![\w])"
)
# A card's expiry as printed on it, month/two-digit year: "hết hạn 12/27", "exp: 08/29".
_EXPIRY = re.compile(
    "(?i)("
    + _words("het han", "hsd", "exp", "expiry", "valid thru", "hieu luc den")
    + r"\s*[:=]?\s*)(?<!\d)(0?[1-9]|1[0-2])\s*/\s*\d{2}(?![\w/])"
)


@dataclass(frozen=True)
class Redaction:
    """The masked text and what kinds of secret were found."""

    text: str
    kinds: frozenset[str]

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _classify_run(digits: str) -> str | None:
    if len(digits) == 12:
        return CCCD
    if len(digits) == 9 and not digits.startswith("0"):
        return CCCD  # old 9-digit CMND; phone numbers start with 0 and have 10 digits
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return CARD
    if len(digits) == 16:
        return CARD
    return None


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _mask_context(pattern: re.Pattern[str], kind: str, text: str, kinds: set[str]) -> str:
    """Replace the last group of each match (the secret) by the marker of `kind`."""

    def repl(match: re.Match[str]) -> str:
        kinds.add(kind)
        return match.group(1) + MARKERS[kind]

    return pattern.sub(repl, text)


def _mask_runs(text: str, kinds: set[str]) -> str:
    def run_repl(match: re.Match[str]) -> str:
        kind = _classify_run(re.sub(r"\D", "", match.group(0)))
        if kind is None:
            return match.group(0)
        kinds.add(kind)
        return MARKERS[kind]

    return _DIGIT_RUN.sub(run_repl, text)


def _mask_passwords(text: str, kinds: set[str]) -> str:
    def password_repl(match: re.Match[str]) -> str:
        secret = match.group(3)
        has_separator = bool(match.group(2).strip())
        looks_secret = any(not ch.isalpha() for ch in secret)
        marked = match.string.startswith("[đã ẩn", match.start(3))
        question = fold(secret.rstrip(_TRAILING_PUNCT)) in _NOT_A_SECRET
        if marked or question or not (has_separator or looks_secret):
            return match.group(0)
        kinds.add(PASSWORD)
        return match.group(1) + match.group(2) + MARKERS[PASSWORD]

    return _PASSWORD_CONTEXT.sub(password_repl, text)


def _mask_codes(text: str, kinds: set[str]) -> str:
    stripped = text.strip().rstrip(_TRAILING_PUNCT)
    if _SHORT_CODE.fullmatch(stripped) and _digits(stripped) == 6:
        # A bare 6-digit message is what an OTP or a VNeID passcode looks like.
        kinds.add(OTP)
        return MARKERS[OTP]
    if not _CODE_CONTEXT.search(fold(text)):
        return text

    def code_repl(match: re.Match[str]) -> str:
        if not 4 <= _digits(match.group(0)) <= 8:
            return match.group(0)
        kinds.add(OTP)
        return MARKERS[OTP]

    return _SHORT_CODE.sub(code_repl, text)


def redact(text: str) -> Redaction:
    """Mask ID numbers, bank accounts, cards (number, CVV, expiry), OTPs and passwords."""
    kinds: set[str] = set()
    out = _mask_context(_ACCOUNT, ACCOUNT, text, kinds)
    out = _mask_runs(out, kinds)
    out = _mask_context(_CVV, CVV, out, kinds)
    out = _mask_context(_EXPIRY, EXPIRY, out, kinds)
    out = _mask_passwords(out, kinds)
    out = _mask_codes(out, kinds)
    return Redaction(text=out, kinds=frozenset(kinds))


def redact_payload(obj: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A webhook body with its `message.text` redacted (whatever the event: a resident's
    message, a group member's, or an admin typing in the OA inbox), and the kinds masked
    ("otp,password"), or the body itself and None when there was nothing to mask."""
    message = obj.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return obj, None
    result = redact(message["text"])
    if not result.changed:
        return obj, None
    return {**obj, "message": {**message, "text": result.text}}, ",".join(sorted(result.kinds))
