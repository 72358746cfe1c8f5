"""The privacy guard masks CCCD numbers, OTPs, passwords and card numbers, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.privacy import CARD, CCCD, OTP, PASSWORD, redact


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
