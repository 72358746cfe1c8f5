"""Character tricks scammers use, and how to undo them.

Spammers swap letters for lookalikes from other scripts (Cyrillic "а" for Latin "a"),
for digits ("nh4n t1en"), or decorate them with foreign diacritics ("Nhän quå").
`skeleton` maps text to the plain lower-case ASCII it imitates; `is_syllable` tells
whether a folded token could be a Vietnamese syllable, which separates leetspeak
("t1en" → "tien") from product codes ("D6V").
"""

from __future__ import annotations

import re
import unicodedata

from bot.text.normalize import fold

# Letters of other scripts that look like Latin letters (a practical subset of Unicode's
# confusables list: the ones seen in phishing domains and spam).
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ӏ": "l", "ԛ": "q", "ԝ": "w", "ѵ": "v", "һ": "h", "ү": "y", "ɡ": "g", "п": "n", "г": "r",
    "ь": "b", "з": "3", "ч": "4",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ω": "w", "η": "n", "μ": "u",
    # Latin lookalikes outside a–z
    "ı": "i", "ł": "l", "ſ": "s", "ɑ": "a", "ℓ": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss",
    "¡": "i", "ɪ": "i", "ʀ": "r", "ɴ": "n", "ʟ": "l", "ᴏ": "o", "ᴀ": "a", "ᴇ": "e",
}  # fmt: skip
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
# The same, for upper-case lookalikes too, to map whole texts in one `str.translate`.
CONFUSABLE_TABLE = str.maketrans(
    {**{k.upper(): v for k, v in _CONFUSABLES.items() if len(k.upper()) == 1}, **_CONFUSABLES}
)

# Letters a Latin-script label may not mix with: Cyrillic and Greek.
_OTHER_SCRIPTS = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")
_LATIN = re.compile(r"[a-zA-Z]")

# Diacritics that Vietnamese never uses (ä, ö, å, ü, ë, ï, ÿ, ø…): decoration to dodge filters.
# Vietnamese uses grave, acute, circumflex, tilde, breve, hook above, horn and dot below
# (U+0300 U+0301 U+0302 U+0303 U+0306 U+0309 U+031B U+0323); any other combining mark is foreign.
_FOREIGN_MARK = re.compile(
    "[\u0304\u0305\u0307\u0308\u030a-\u031a\u031c-\u0322\u0324-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]"
)

LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})

_ONSET = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUCLEUS = "(?:[aeiouy]{1,3})"
_CODA = "(?:ch|ng|nh|c|m|n|p|t)?"
_SYLLABLE = re.compile(f"{_ONSET}{_NUCLEUS}{_CODA}")


def skeleton(text: str) -> str:
    """Lower-case ASCII look of `text`: lookalike letters mapped, diacritics removed."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_CONFUSABLE_TABLE)
    return fold(text)


def has_other_script(text: str) -> bool:
    return bool(_OTHER_SCRIPTS.search(text))


def mixes_scripts(label: str) -> bool:
    """True when one word mixes Latin letters with Cyrillic or Greek ones."""
    return bool(_LATIN.search(label)) and has_other_script(label)


def foreign_marks(text: str) -> int:
    """How many letters carry a diacritic Vietnamese does not use (ä, ö, å…)."""
    if text.isascii():
        return 0
    return len(_FOREIGN_MARK.findall(unicodedata.normalize("NFD", text)))


def is_syllable(token: str) -> bool:
    """Could this folded, lower-case token be one Vietnamese syllable?"""
    return bool(_SYLLABLE.fullmatch(token))
