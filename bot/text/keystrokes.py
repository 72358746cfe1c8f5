"""Undo Vietnamese input-method leftovers: "ca8n cu7o71c" (VNI) and "kichs hoatj" (Telex).

When a phone's Vietnamese keyboard is off, the keys meant for diacritics stay in the word:
VNI uses digits (1–5 tones, 6 ^, 7 horn, 8 breve, 9 đ), Telex letters (s f r x j tones,
aa ee oo ^, aw ow uw breve/horn, dd đ). `decode(word)` turns such a word back into the
syllable it was meant to be, and leaves every other word alone: a word is decoded only when
it is not a syllable as typed and becomes one once the keys are read as marks.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from bot.text.syllables import is_syllable

_TONE_MARKS = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_TELEX_TONES = {"s": "1", "f": "2", "r": "3", "x": "4", "j": "5"}
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED = frozenset("ăâêôơư")
_VNI_SHAPE = {"6": {"a": "â", "e": "ê", "o": "ô"}, "7": {"o": "ơ", "u": "ư"}, "8": {"a": "ă"}}
_TELEX_DOUBLE = {"a": "â", "e": "ê", "o": "ô"}
_TELEX_W = {"a": "ă", "o": "ơ", "u": "ư"}
_PLAIN = str.maketrans("ăâêôơưđ", "aaeooud")


def _plain(letters: list[str]) -> str:
    return "".join(letters).translate(_PLAIN)


def _reshape_last(letters: list[str], table: dict[str, str]) -> bool:
    for index in range(len(letters) - 1, -1, -1):
        if letters[index] in table:
            letters[index] = table[letters[index]]
            return True
    return False


def _vni(word: str) -> tuple[list[str], str] | None:
    letters: list[str] = []
    tone = ""
    for ch in word:
        if ch.isalpha():
            letters.append(ch)
        elif ch in _TONE_MARKS:
            tone = ch
        elif ch in _VNI_SHAPE:
            if not _reshape_last(letters, _VNI_SHAPE[ch]):
                return None
        elif ch == "9" and "d" in letters:
            letters[letters.index("d")] = "đ"
        else:
            return None
    return letters, tone


def _telex(word: str) -> tuple[list[str], str]:
    letters: list[str] = []
    tone = ""
    for ch in word:
        seen_vowel = any(c in _VOWELS for c in letters)
        if seen_vowel and ch in _TELEX_TONES:
            tone = _TELEX_TONES[ch]
        elif ch == "w" and letters and letters[-1] in _TELEX_W:
            letters[-1] = _TELEX_W[letters[-1]]
            if len(letters) > 1 and letters[-2] == "u" and letters[-1] == "ơ":
                letters[-2] = "ư"
        elif ch == "w" and len(letters) > 1 and letters[-1] not in _VOWELS and letters[-2] in "ou":
            # "ddwowngf" aside, the w may come after the final consonant: "duongw"
            _reshape_last(letters, _TELEX_W)
        elif letters and ch == letters[-1] and ch in _TELEX_DOUBLE:
            letters[-1] = _TELEX_DOUBLE[ch]
        elif letters and ch == "d" and letters[-1] == "d":
            letters[-1] = "đ"
        else:
            letters.append(ch)
    return letters, tone


def _tone_position(letters: list[str]) -> int | None:
    vowels = [i for i, ch in enumerate(letters) if ch in _VOWELS]
    if not vowels:
        return None
    # "qu", "gi" before another vowel: the u / i belongs to the onset.
    if len(vowels) > 1 and vowels[0] == 1 and letters[0] in "qg" and letters[1] in "ui":
        vowels = vowels[1:]
    marked = [i for i in vowels if letters[i] in _MARKED]
    if marked:
        return marked[-1]
    if len(vowels) == 1:
        return vowels[0]
    has_coda = vowels[-1] < len(letters) - 1
    if has_coda or len(vowels) == 3:
        return vowels[-1] if has_coda else vowels[1]
    return vowels[0]


def _with_tone(letters: list[str], tone: str) -> str:
    position = _tone_position(letters) if tone else None
    if position is not None:
        letters = [*letters]
        letters[position] = letters[position] + _TONE_MARKS[tone]
    return unicodedata.normalize("NFC", "".join(letters))


def _counted(word: str) -> bool:
    """ "muc2", "lop1": a word and a number glued together, not a VNI tone."""
    head, last = word[:-1], word[-1]
    return last.isdigit() and head.isalpha() and head[-1] not in _VOWELS and is_syllable(head)


@lru_cache(maxsize=8192)
def decode(word: str) -> str:
    """The syllable a lower-case, unaccented `word` was typed for; `word` itself otherwise.

    "ca8n" → "căn", "cu7o71c" → "cước", "kichs" → "kích", "ddawngf" → "đằng"; "otp",
    "zalo", "2024", "khong" stay as they are.
    """
    if not word or not word[0].isalpha() or not word.isascii() or is_syllable(word):
        return word
    if any(ch.isdigit() for ch in word):
        if _counted(word):
            return word
        found = _vni(word)
    elif word.isalpha():
        found = _telex(word)
    else:
        return word
    if found is None:
        return word
    letters, tone = found
    if not is_syllable(_plain(letters)) or (not tone and "".join(letters) == word):
        return word
    return _with_tone(letters, tone)
