"""How Vietnamese is typed: Telex/VNI leftovers, contextual abbreviations, addressing words,
polite frames, redaction markers; and that cleaning reads only a bounded prefix."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import syllables, typed
from bot.text.keystrokes import decode
from bot.text.normalize import fold
from bot.text.typed import MAX_CHARS, Cleaner, vocabulary_of


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.default(vocabulary_of(["giấy khai sinh cho con", "đăng ký khai sinh"]))


@pytest.mark.parametrize(
    ("typed_word", "meant"),
    [
        ("ca8n", "căn"),
        ("cu7o71c", "cước"),
        ("la2m", "làm"),
        ("gia61y", "giấy"),
        ("tu73", "tử"),
        ("kichs", "kích"),
        ("hoatj", "hoạt"),
        ("nhaapj", "nhập"),
        ("khaaur", "khẩu"),
        ("kys", "ký"),
    ],
)
def test_input_method_leftovers_are_decoded(typed_word: str, meant: str) -> None:
    assert decode(typed_word) == meant


@pytest.mark.parametrize("word", ["otp", "zalo", "vneid", "2024", "khong", "muc2", "4g", "sms"])
def test_other_words_are_left_alone(word: str) -> None:
    assert decode(word) == word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ko dk otp", "ko được otp"),
        ("dk ket hon", "đăng ký ket hon"),
        ("ck e di lam xa", "chồng em di lam xa"),
        ("ck tien cho nguoi la", "chuyển khoản tien cho nguoi la"),
        ("mần giấy thì mần sao", "làm giấy thì làm sao"),
        ("ca8n cu7o71c bi ma61t", "căn cước bi mất"),
        ("khai sih cho con", "khai sinh cho con"),
    ],
)
def test_words_are_read_as_meant(cleaner: Cleaner, text: str, expected: str) -> None:
    assert cleaner.clean(text).text == expected


def test_addressing_is_dropped_and_never_left_alone_as_a_word(cleaner: Cleaner) -> None:
    assert cleaner.clean("shop ơi") == typed.Cleaned("", addressed=True, dropped=("shop ơi",))
    assert cleaner.clean("xã ơi, làm căn cước ở đâu").text == "làm căn cước ở đâu"
    assert cleaner.clean("ad oi cho hoi lam can cuoc").text == "lam can cuoc"


def test_polite_frames_are_stripped_only_when_something_remains(cleaner: Cleaner) -> None:
    long = "Dạ em chào anh chị ạ, cho em hỏi làm căn cước ở đâu ạ?"
    assert cleaner.clean(long).text == "làm căn cước ở đâu?"
    assert cleaner.clean("chào em").text == "chào em"
    assert cleaner.clean("thôi chào em nhé", frames=False).text == "thôi chào em nhé"


def test_redaction_marker_stays_readable(cleaner: Cleaner) -> None:
    text = "can cuoc cua toi so [đã ẩn số định danh] bi sai ngay sinh"
    assert cleaner.clean(text).text == "can cuoc cua toi so số định danh bi sai ngay sinh"


def test_links_are_never_rewritten(cleaner: Cleaner) -> None:
    link = "https://ghtk-giaohang.top/ma/88231"
    assert cleaner.clean(f"{link} la gi vay").text.startswith(link)


@given(st.text(max_size=400))
def test_cleaning_never_raises_and_is_stable(text: str) -> None:
    once = Cleaner.default().clean(text)
    assert len(once.text) <= 2 * MAX_CHARS
    assert isinstance(once.addressed, bool)


def test_only_a_bounded_prefix_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # Size scaling, counted not timed: the words repaired stop growing at the prefix.
    seen: list[int] = []
    original = Cleaner._repair

    def counting(self: Cleaner, word: typed._Word) -> None:
        seen.append(1)
        original(self, word)

    monkeypatch.setattr(Cleaner, "_repair", counting)
    counts = []
    for size in (1_000, 10_000, 100_000):
        seen.clear()
        Cleaner.default().clean(("ab " * size)[:size])
        counts.append(len(seen))
    assert counts[1] == counts[2] <= MAX_CHARS
    assert counts[0] < counts[1]


_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*{]")


@pytest.mark.parametrize("module", [typed, syllables])
def test_no_pattern_has_nested_quantifiers(module: object) -> None:
    patterns = [v.pattern for v in vars(module).values() if isinstance(v, re.Pattern)]
    assert patterns
    assert not [p for p in patterns if _NESTED.search(p)]


@pytest.mark.parametrize(
    "text", ["thẻ căn cước bị hỏng", "đăng ký kết hôn", "màn hình bị tối", "đau răng quá"]
)
def test_words_typed_with_diacritics_keep_their_meaning(cleaner: Cleaner, text: str) -> None:
    assert cleaner.clean(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Dạ em chào anh chị ạ, cho em hỏi làm căn cước ở đâu ạ?",
        "thôi chào em nhé",
        "shop ơi dk khai sih cho con o dau",
        "ad oi ko dk dc vneid",
    ],
)
def test_both_readings_of_a_message_are_as_if_read_alone(text: str) -> None:
    # One message's words are split and repaired once for both readings (commands without
    # the polite frames, routing with): neither reading may change what the other sees.
    vocabulary = vocabulary_of(["giấy khai sinh cho con", "đăng ký khai sinh"])
    alone = {
        frames: Cleaner.default(vocabulary).clean(text, frames=frames) for frames in (True, False)
    }
    for first in (True, False):
        shared = Cleaner.default(vocabulary)
        assert shared.clean(text, frames=first) == alone[first]
        assert shared.clean(text, frames=not first) == alone[not first]


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_text_without_diacritics_folds_as_any_text(text: str) -> None:
    # The ASCII fast path of `fold` agrees with the full path (taken once "é" is added).
    assert fold(text + "é") == fold(text) + "e"
