"""Properties of the shared normalisation the router builds on (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.intents import IntentRouter
from bot.nlu.lexicon import sound_key, spelling_key
from bot.nlu.names import FLOWS, INTENTS
from bot.text.normalize import fold, normalize

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
resident_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " .,?!0123456789/:-"),
    max_size=80,
)
any_text = st.text(max_size=200)


@given(st.one_of(any_text, resident_text))
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.one_of(any_text, resident_text))
def test_fold_is_idempotent_and_lower_ascii_for_vietnamese(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


@given(resident_text)
def test_fold_removes_every_vietnamese_diacritic(text: str) -> None:
    assert all(ch.isascii() for ch in fold(text))


@given(st.text(alphabet=st.sampled_from(VIETNAMESE), min_size=1, max_size=8))
def test_spelling_and_sound_keys_are_total(word: str) -> None:
    key = spelling_key(word)
    assert key is None or key[-1].isdigit()
    assert sound_key(fold(word))


@settings(max_examples=300)
@given(st.one_of(any_text, resident_text))
def test_route_never_raises_and_is_well_formed(router: IntentRouter, text: str) -> None:
    route = router.route(text)
    assert route.intent in INTENTS
    assert 0.0 <= route.confidence <= 1.0
    assert route.flow == FLOWS[route.intent]
