"""What the outbox does with each Zalo error code; billing (-320/-321) is its own action."""

from __future__ import annotations

import pytest

from bot.zalo.errors import BILLING_CODES, WINDOW_CODES, Action, ZaloError, classify, reason


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (-320, Action.BILLING),
        (-321, Action.BILLING),
        (-230, Action.WINDOW),
        (-32, Action.RETRY),
        (-216, Action.REFRESH),
        (-201, Action.PERMANENT),
    ],
)
def test_each_code_has_its_action(code: int, action: Action) -> None:
    assert classify(code) is action
    assert ZaloError(code, "x").action is action


def test_billing_is_neither_a_window_nor_a_permanent_failure() -> None:
    assert not BILLING_CODES & WINDOW_CODES
    for code in BILLING_CODES:
        assert "Zalo Cloud (ZCA)" in reason(code) and "48 giờ" in reason(code)
