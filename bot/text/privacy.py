"""Find and mask secrets residents should never send: CCCD numbers, OTP codes, passwords, cards.

`redact(text)` runs on every inbound text before it is stored or logged. What it masks
is replaced by a visible marker (e.g. ``[đã ẩn số căn cước]``) so that content editors
reading unanswered questions still see what kind of thing was there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.normalize import fold

CCCD = "cccd"
OTP = "otp"
PASSWORD = "password"
CARD = "card"

MARKERS = {
    CCCD: "[đã ẩn số định danh]",
    OTP: "[đã ẩn mã OTP]",
    PASSWORD: "[đã ẩn mật khẩu]",
    CARD: "[đã ẩn số thẻ]",
}

# Digits that may be typed with spaces, dots or dashes between groups: "0791 2345 6789".
_DIGIT_RUN = re.compile(r"(?<![\w])\d(?:[ .\-]?\d){7,22}(?![\w])")
_SHORT_CODE = re.compile(r"(?<![\w.,])\d{4,8}(?![\w.,])")
# Words after which a short number is a one-time code or a passcode.
_CODE_CONTEXT = re.compile(
    r"\b(otp|ma xac (nhan|thuc)|ma kich hoat|ma so|ma|code|passcode|pass code|ma pin|pin)\b"
)
# "mật khẩu là abc123", "mk: Abc@123", "pass abc" — mask the next token; never the words of
# a marker already there ("[đã ẩn mật khẩu]"), so that redacting twice changes nothing.
_PASSWORD_CONTEXT = re.compile(
    r"(?i)(?<!ẩn )(mật\s*khẩu|mat\s*khau|\bmk\b|\bpass(?:word)?\b|\bpasscode\b)"
    r"(\s*(?:là|la|:|=)?\s*)(\S+)"
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


def redact(text: str) -> Redaction:
    """Mask CCCD/CMND numbers, card numbers, OTPs/passcodes and passwords in `text`."""
    kinds: set[str] = set()

    def run_repl(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        kind = _classify_run(digits)
        if kind is None:
            return match.group(0)
        kinds.add(kind)
        return MARKERS[kind]

    out = _DIGIT_RUN.sub(run_repl, text)

    def password_repl(match: re.Match[str]) -> str:
        secret = match.group(3)
        has_separator = bool(match.group(2).strip())
        looks_secret = any(not ch.isalpha() for ch in secret)
        marked = match.string.startswith("[đã ẩn", match.start(3))
        if marked or not (has_separator or looks_secret):
            return match.group(0)
        kinds.add(PASSWORD)
        return match.group(1) + match.group(2) + MARKERS[PASSWORD]

    out = _PASSWORD_CONTEXT.sub(password_repl, out)

    folded = fold(out)
    stripped = out.strip()
    if _SHORT_CODE.fullmatch(stripped) and len(stripped) == 6:
        # A bare 6-digit message is what an OTP or a VNeID passcode looks like.
        kinds.add(OTP)
        out = MARKERS[OTP]
    elif _CODE_CONTEXT.search(folded):

        def code_repl(_match: re.Match[str]) -> str:
            kinds.add(OTP)
            return MARKERS[OTP]

        out = _SHORT_CODE.sub(code_repl, out)
    return Redaction(text=out, kinds=frozenset(kinds))
