"""The building blocks of cue matching: spelling keys, sound keys, typo repair."""

from __future__ import annotations

import pytest

from bot.nlu.intents import IntentRouter
from bot.nlu.lexicon import is_syllable, sound_key, spelling_key


def test_spelling_key_ignores_tone_placement_but_not_tones() -> None:
    assert spelling_key("hủy") == spelling_key("huỷ") == "huy3"
    assert spelling_key("hoà") == spelling_key("hòa")
    assert spelling_key("lừa") != spelling_key("lúa")
    assert spelling_key("hỏng") != spelling_key("hông")
    assert spelling_key("dân") == "dân0"
    assert spelling_key("lua") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [("tru", "chu"), ("so", "xo"), ("giay", "day"), ("ky", "ki"), ("gi", "di"), ("ro", "do")],
)
def test_sound_key_merges_commonly_confused_spellings(a: str, b: str) -> None:
    assert sound_key(a) == sound_key(b)


def test_sound_key_keeps_other_words_apart() -> None:
    assert sound_key("huy") != sound_key("hui")
    assert sound_key("khong") != sound_key("hong")


@pytest.mark.parametrize("word", ["khong", "nguoi", "thuong", "nghieng", "gi", "khuya", "hong"])
def test_real_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["vneid", "khog", "hocj", "zalo", "otp", "passcode", "qr"])
def test_not_syllables(word: str) -> None:
    assert not is_syllable(word)


def test_typo_repair_only_touches_non_words(router: IntentRouter) -> None:
    lexicon = router.lexicon
    assert lexicon.tokens("vnied").words == ("vneid",)
    assert lexicon.tokens("vnied").corrected == frozenset({0})
    assert lexicon.tokens("luadao").words == ("lua", "dao")
    assert lexicon.tokens("v neid").words == ("vneid",)
    assert lexicon.tokens("alooo").words == ("alo",)
    assert lexicon.tokens("kkkkk").words == ("kkkkk",)
    # "hong" is a real syllable: never "corrected" to "khong".
    assert lexicon.tokens("hong").words == ("hong",)
    # Abbreviations are expanded, not squeezed: "cccd" keeps its meaning.
    assert lexicon.tokens("cccd").words == ("can", "cuoc", "cong", "dan")


def test_spelling_keys_survive_tokenisation(router: IntentRouter) -> None:
    tokens = router.lexicon.tokens("Giá LÚA hôm nay")
    assert tokens.words == ("gia", "lua", "hom", "nay")
    assert tokens.keys[1] == spelling_key("lúa")
