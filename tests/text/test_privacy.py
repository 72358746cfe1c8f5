"""The privacy guard masks CCCD numbers, OTPs, passwords and card numbers, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.text.privacy import (
    ACCOUNT,
    CARD,
    CCCD,
    CVV,
    EXPIRY,
    MARKERS,
    OTP,
    PASSWORD,
    Redaction,
    redact,
)
from bot.texts import Texts


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("số căn cước của tôi là 001090012345", CCCD, "001090012345"),
        ("cccd 0791 2345 6789 nhé", CCCD, "0791 2345 6789"),
        ("cmnd cu 187654321", CCCD, "187654321"),
        ("mã OTP là 482913", OTP, "482913"),
        ("482913", OTP, "482913"),
        ("ma xac nhan 5521", OTP, "5521"),
        ("passcode 123456", PASSWORD, "123456"),
        ("mật khẩu là Abc@12345", PASSWORD, "Abc@12345"),
        ("mk: hoa123", PASSWORD, "hoa123"),
        ("the cua toi 4111 1111 1111 1111", CARD, "4111 1111 1111 1111"),
    ],
)
def test_secrets_are_masked(text: str, kind: str, secret: str) -> None:
    result = redact(text)
    assert kind in result.kinds
    assert secret not in result.text
    assert "[đã ẩn" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "số điện thoại 0912345678",
        "năm 2024 tôi sinh con",
        "nhà số 12 thôn 3",
        "mật khẩu của tôi bị quên",
        "mk muốn hỏi về vneid",
        "lệ phí 20.000 đồng",
        "menu",
        "1",
        "làm thẻ căn cước mất bao lâu",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert not result.changed


@given(st.text(max_size=500))
def test_redact_never_raises_and_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once.text).text == once.text


# What the hostile run found stored in clear (issue 21, item 8).
@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("mã OTP là 483921.", OTP, "483921"),
        ("OTP: 483922, đừng đưa ai", OTP, "483922"),
        ("Mã OTP VNeID: 48-39-26", OTP, "48-39-26"),
        ("ma otp 483 927 nhe", OTP, "483 927"),
        ("483928.", OTP, "483928"),
        ("mat khau cua toi la Hoa2024xyz", PASSWORD, "Hoa2024xyz"),
        ("mật khẩu VNeID của tôi: Pw_secret77", PASSWORD, "Pw_secret77"),
        ("mat khẩu mới = Hoa@99", PASSWORD, "Hoa@99"),
        ("het han 12/27 cvv 123", CVV, "123"),
        ("het han 12/27 cvv 123", EXPIRY, "12/27"),
        ("mã CVV: 4567", CVV, "4567"),
        ("stk 0123456789012", ACCOUNT, "0123456789012"),
        ("so tai khoan 0123456789012", ACCOUNT, "0123456789012"),
        ("số tài khoản Vietcombank của tôi là 1903 4567 8901 23", ACCOUNT, "1903 4567 8901 23"),
    ],
)
def test_secrets_the_hostile_run_found_are_masked(text: str, kind: str, secret: str) -> None:
    result = redact(text)
    assert kind in result.kinds
    assert secret not in result.text
    assert secret.replace(" ", "").replace("-", "") not in result.text.replace(" ", "")
    assert MARKERS[kind] in result.text
    assert redact(result.text) == Redaction(result.text, frozenset())


@pytest.mark.parametrize(
    "text",
    [
        "mật khẩu là gì?",
        "quên mật khẩu VNeID thì làm sao",
        "ngày 12-05-2024 tôi nộp mã hồ sơ",
        "căn cước hết hạn 12/05/2030 thì đổi ở đâu",
        "tài khoản VNeID mức 2",
        "stk của xã là gì",
    ],
)
def test_questions_about_secrets_keep_their_words(text: str) -> None:
    assert redact(text).text == text


_PIECES = [*"0123456789 .,:-/=[]aƯ", "mật khẩu", "là", "otp", "stk", "cvv", "hết hạn", "mã"]
_PIECES += ["[đã ẩn", "số tài khoản", "mk", *MARKERS.values()]
_SECRETISH = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@given(_SECRETISH)
@settings(max_examples=500)
def test_redact_is_idempotent_on_secret_like_text(text: str) -> None:
    once = redact(text)
    assert redact(once.text).text == once.text


@pytest.mark.parametrize("kind", sorted(MARKERS))
def test_every_kind_redacted_has_words_for_the_warning(kind: str) -> None:
    """The chat warns the resident by naming what was hidden: a kind without a text made
    the whole message fail (the hostile run found CVV and account numbers did)."""
    named = Texts.load(Settings().content_dir).get(f"privacy_kinds.{kind}")
    assert named.strip() and "{" not in named
