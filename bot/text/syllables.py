"""What a Vietnamese syllable can look like once its diacritics are folded away."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.text.normalize import words

# A folded Vietnamese syllable: optional onset, then either a vowel group ending in a glide
# (no final consonant possible: "cai", "dieu") or a vowel group with an optional final
# consonant ("khong", "thuong"). Generous on purpose: it only decides which words are never
# treated as typos. No nested quantifiers: one pass over the word.
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
_GLIDE_ENDED = (
    r"(?:ieu|yeu|uoi|uou|oai|oay|oeo|uay|uai|uyu|uya|ai|ao|au|ay|eo|eu|ia|iu|oi|ui|uu|ya)"
)
_OPEN = r"(?:uye|ie|ye|uo|ua|oa|oe|oo|ue|uy|a|e|i|o|u|y)"
_CODA = r"(?:ch|ng|nh|[cmnpt])"
_SYLLABLE = re.compile(rf"{_ONSET}(?:{_GLIDE_ENDED}|{_OPEN}{_CODA}?)")


@lru_cache(maxsize=8192)
def is_syllable(token: str) -> bool:
    """Whether a folded token could be one Vietnamese syllable ("khong" yes, "vneid" no)."""
    return _SYLLABLE.fullmatch(token) is not None


def typed_without_diacritics(text: str, *, at_least: int = 2) -> bool:
    """Whether `text` is Vietnamese typed with no diacritics at all ("nha van hoa thon dong"):
    not one letter outside ASCII, and at least `at_least` words, most of them, that could be
    Vietnamese syllables. Digits, names like "VNeID" and English do not count."""
    if any(ch.isalpha() and not ch.isascii() for ch in text):
        return False
    tokens = [w for w in words(text) if w.isalpha()]
    vietnamese = [w for w in tokens if is_syllable(w)]
    return len(vietnamese) >= at_least and len(vietnamese) * 5 >= len(tokens) * 3
