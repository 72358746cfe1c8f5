"""Turn a resident's scam report into what may be stored: masked text, a type, signal codes.

Reports feed the commune's statistics ("scam types this week by village"); the text is
kept only so officials can see what was circulating. Before storage, phone numbers and
bank account numbers are masked (last digits kept, so the same number is recognisable
in one report), then `bot.text.privacy.redact` masks CCCD numbers, OTPs, passwords and
card numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.features.scam.analyzer import ScamAnalyzer, Verdict
from bot.text.privacy import MARKERS, OTP, redact

MAX_REPORT_CHARS = 2000
KEEP_DIGITS = 2

# Vietnamese mobile and landline numbers: 0xx… or +84 / 84 …, digits may be grouped.
_PHONE = re.compile(r"(?<![\w+])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\w])")
# A number right after words that announce a bank account.
_ACCOUNT_CONTEXT = re.compile(
    r"(?i)(stk|số tài khoản|so tai khoan|số tk|so tk|tài khoản|tai khoan|\btk\b|account|acc)"
    r"(\s*(?:số|so|là|la|:|#|-)?\s*)"
    r"([A-Z]{0,4}\d(?:[\s.\-]?\d){5,18})"
)
# A short code right after "OTP", "mã", "code", "PIN" (what `redact` leaves before punctuation).
_CODE_AFTER_WORD = re.compile(r"(?i)(\b(?:otp|mã|ma|code|pin|passcode)\W{0,3})\d{4,8}(?!\d)")
# Any other long run of digits (accounts without a label, wallet ids…).
_LONG_DIGITS = re.compile(r"(?<![\w])\d(?:[\s.\-]?\d){7,}(?![\w])")


@dataclass(frozen=True)
class ReportDraft:
    """What gets stored for one report."""

    scam_type: str
    text_redacted: str
    signals: tuple[str, ...]
    risk: str


def _tail(digits: str) -> str:
    return "*" * max(0, len(digits) - KEEP_DIGITS) + digits[-KEEP_DIGITS:]


def mask_numbers(text: str) -> str:
    """Mask account and phone numbers (last 2 digits kept), secrets, and other long digit runs."""

    def account(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(3))
        return f"{match.group(1)}{match.group(2)}[STK {_tail(digits)}]"

    def phone(match: re.Match[str]) -> str:
        return f"[SĐT {_tail(re.sub(r'[^0-9]', '', match.group(0)))}]"

    def long_run(match: re.Match[str]) -> str:
        return f"[số {_tail(re.sub(r'[^0-9]', '', match.group(0)))}]"

    text = _ACCOUNT_CONTEXT.sub(account, text)
    text = _PHONE.sub(phone, text)
    # CCCD numbers, OTPs, passwords and card numbers get their own markers.
    text = redact(text).text
    text = _CODE_AFTER_WORD.sub(lambda m: m.group(1) + MARKERS[OTP], text)
    return _LONG_DIGITS.sub(long_run, text)


def redact_report(text: str) -> str:
    """The storable form of a reported message."""
    return mask_numbers(text[:MAX_REPORT_CHARS]).strip()


def draft_report(analyzer: ScamAnalyzer, text: str, verdict: Verdict | None = None) -> ReportDraft:
    """Classify and redact a report; the type is the checker's, "khac" when it found nothing."""
    verdict = verdict or analyzer.check(text)
    scam_type = verdict.scam_type or _best_type(verdict)
    return ReportDraft(
        scam_type=scam_type,
        text_redacted=redact_report(text),
        signals=tuple(s.code for s in verdict.signals),
        risk=verdict.risk,
    )


def _best_type(verdict: Verdict) -> str:
    # A resident reporting it is a scam outweighs a low score: use the strongest signal's type.
    for signal in verdict.signals:
        if signal.type != "khac":
            return signal.type
    return "khac"
