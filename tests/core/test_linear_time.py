"""Long adversarial messages cost time in proportion to their size (issue 21, item 1).

For each piece of code that reads a resident's text (the router as chat calls it, the scam
check, redaction, procedure search), Hypothesis builds a repeating adversarial text; the
time for one 50 KB text is compared with the time for ten 5 KB texts, the same amount of
input. Linear (or bounded-prefix) code gives a ratio near 1 or below; quadratic code gives
about 10. Only the ratio is asserted, never a duration.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.route import chat_routing
from bot.features.scam.analyzer import ScamAnalyzer
from bot.nlu.intents import DEFAULT_CONTENT_DIR
from bot.text.privacy import redact

SMALL, LARGE = 5_000, 50_000
# Linear code measures about 1; quadratic code about 10. The margin absorbs a busy machine.
MAX_RATIO = 4.0

# Pieces that start matches in the patterns over user text: links, numbers with separators,
# secret words, Vietnamese words with and without diacritics, punctuation runs.
PIECES = [
    *"a.:/-@ 0123456789",
    "http://",
    "www.",
    ".vn",
    "a.",
    "mật khẩu là ",
    "mk: ",
    "otp ",
    "stk ",
    "cvv ",
    "hết hạn ",
    "12/27",
    "chuyen khoan ",
    "công an ",
    "đăng ký khai sinh ",
    "căn cước ",
    "[đã ẩn",
]
UNITS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _best(work: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _ratio(read: Callable[[str], object], unit: str) -> float:
    small, large = _repeat(unit, SMALL), _repeat(unit, LARGE)
    read(small)  # warm caches
    ten_small = _best(lambda: [read(small) for _ in range(LARGE // SMALL)])
    one_large = _best(lambda: read(large))
    return one_large / max(ten_small, 1e-4)


def _readers() -> dict[str, Callable[[str], object]]:
    routing = chat_routing(DEFAULT_CONTENT_DIR)
    analyzer = ScamAnalyzer.load(DEFAULT_CONTENT_DIR)
    return {
        "router": lambda text: routing.router.route(text, procedure_lookup=routing.lookup),
        "scam": analyzer.check,
        "redact": redact,
        "search": routing.rank,
    }


READERS = _readers()


@pytest.mark.parametrize("name", sorted(READERS))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(unit=UNITS)
def test_time_grows_linearly_with_the_size_of_a_message(name: str, unit: str) -> None:
    ratio = _ratio(READERS[name], unit)
    assert ratio < MAX_RATIO, f"{name}: 50 KB took {ratio:.1f}× ten 5 KB texts ({unit!r})"


def test_the_measure_tells_quadratic_code_apart() -> None:
    """The check can fail: a quadratic reader measures well above the bound."""

    def quadratic(text: str) -> int:
        return sum(text.count(text[i : i + 2]) for i in range(0, len(text), 50))

    assert _ratio(quadratic, "ab.") > MAX_RATIO
