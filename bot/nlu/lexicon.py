"""Find the content's cues in a message, tolerating the way residents actually type.

Matching works on folded words (`bot.text.normalize.fold`: no diacritics, lower case) with
the abbreviations of `content/nlu/abbreviations.yaml` expanded, so "quen mat khau", "Quên mật
khẩu" and "qen mk" can all meet the same cue. On top of that:

* **Diacritics count when both sides have them.** Folding makes "lúa" (rice) look like
  "lừa" (cheat) and "hỏng" (broken) like "hông" (no). A cue written with diacritics
  therefore only matches a word typed with diacritics if they agree (tone placement aside:
  "huỷ" = "hủy"); a word typed without any diacritics matches by its folded form. In a
  cue of several words, one disagreeing word is forgiven (a mistyped tone) at a discount.
* **Words glued together or split apart** are re-cut when the result is a cue word
  ("luadao" → "lua dao", "v neid" → "vneid"), and held-down keys are squeezed ("alooo").
* **Typos** — a word that is neither a cue word nor a possible Vietnamese syllable is
  replaced by the nearest cue word within one edit (two for long words): "vnied" → "vneid",
  "hocj" → "hoc". Real syllables are never "corrected": a wrong correction is worse than a
  missed cue.

A cue is a run of words ("quên mật khẩu") found contiguously or with at most `max_gap` extra
words in between, or several runs joined by "+" that must all appear somewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.text.normalize import fold, load_abbreviations, nfc
from bot.text.syllables import is_syllable

_SPLIT = re.compile(r"[\W_]+")
_HELD_KEY = re.compile(r"([^\W\d_])\1{2,}")
# Combining marks of the five Vietnamese tones other than the level one.
_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_MIN_CORRECTABLE = 4
_LONG_WORD = 9
_CACHE = 8192

Word = tuple[str, str | None]
"""A word as matching sees it: folded form, and its spelling key if typed with diacritics."""


@lru_cache(maxsize=_CACHE)
def spelling_key(word: str) -> str | None:
    """How a word was spelt with diacritics, ignoring where the tone mark sits.

    "hủy" and "huỷ" → "huy3"; "lừa" → "lưa2"; "lúa" → "lua1"; "dân" → "dân0"; a word typed
    without any diacritics → None (it may stand for any of them).
    """
    decomposed = unicodedata.normalize("NFD", word.casefold())
    tone = "0"
    kept: list[str] = []
    for ch in decomposed:
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            kept.append(ch)
    base = unicodedata.normalize("NFC", "".join(kept))
    if tone == "0" and base == fold(base):
        return None
    return base + tone


# Spellings that many residents mix up because they sound alike in their dialect.
_SOUND_ONSETS = (
    ("tr", "ch"),
    ("gi", "d"),
    ("r", "d"),
    ("v", "d"),
    ("s", "x"),
    ("ngh", "ng"),
    ("gh", "g"),
    ("k", "c"),
)
_SOUND_Y = re.compile(r"(?<=[bcdhklmnpqstvx])y(?=\d?$)")


@lru_cache(maxsize=_CACHE)
def sound_key(folded: str) -> str:
    """Folded word with easily confused spellings merged: "tru" and "chu" → "chu",
    "so" and "xo" → "xo", "ky" and "ki" → "ki". Used only to forgive one word of a cue."""
    if folded.startswith("gi") and (len(folded) == 2 or folded[2] not in "aeiouy"):
        folded = "d" + folded[1:]  # "gì", "gìn": the i is the vowel, as in "dì", "dìn"
    else:
        for spelt, heard in _SOUND_ONSETS:
            if folded.startswith(spelt):
                folded = heard + folded[len(spelt) :]
                break
    return _SOUND_Y.sub("i", folded)


_fold = lru_cache(maxsize=_CACHE)(fold)


def spelt_words(text: str) -> list[Word]:
    """Split `text` into words, each with its folded form and its spelling key."""
    return [
        (_fold(piece), spelling_key(piece)) for piece in _SPLIT.split(nfc(text).casefold()) if piece
    ]


def expand(words_: list[Word], abbreviations: Mapping[str, str]) -> list[Word]:
    """Replace abbreviations ("ko", "cccd") by the words they stand for."""
    out: list[Word] = []
    for folded, key in words_:
        expansion = abbreviations.get(folded)
        if expansion is None:
            out.append((folded, key))
        else:
            out.extend((w, None) for w in expansion.split())
    return out


def analyse(text: str, abbreviations: Mapping[str, str]) -> list[Word]:
    """`bot.text.normalize.normalize` word by word, keeping how each word was spelt."""
    return expand(spelt_words(text), abbreviations)


def cue_words(text: str) -> tuple[tuple[Word, ...], ...]:
    """ "gọi + công an" → the word runs of a cue (no typo repair: cues are spelt right)."""
    table = load_abbreviations()
    return tuple(tuple(analyse(part, table)) for part in text.split("+") if part.strip())


@dataclass(frozen=True, slots=True)
class Cue:
    """One weighted cue of an intent, as the editor wrote it and as runs of words."""

    intent: str
    text: str
    parts: tuple[tuple[Word, ...], ...]
    weight: float
    negative: bool = False
    # Derived for speed: each part's folded words and how they sound.
    folded: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)
    heard: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = tuple(tuple(w for w, _ in part) for part in self.parts)
        object.__setattr__(self, "folded", folded)
        object.__setattr__(self, "heard", tuple(tuple(map(sound_key, p)) for p in folded))


@dataclass(frozen=True, slots=True)
class Tokens:
    """A message as matching sees it; `corrected` holds positions changed by typo repair."""

    words: tuple[str, ...]
    keys: tuple[str | None, ...]
    corrected: frozenset[int]
    sounds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.sounds:
            object.__setattr__(self, "sounds", tuple(sound_key(w) for w in self.words))

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class Hit:
    """A cue found in a message: which word positions it used and how cleanly."""

    cue: Cue
    positions: frozenset[int]
    gapped: bool
    fuzzy: bool

    @property
    def exact(self) -> bool:
        return not (self.gapped or self.fuzzy)


class Lexicon:
    """The cue vocabulary of all intents, compiled for fast matching."""

    def __init__(
        self, cues: Iterable[Cue], *, extra_words: Iterable[str] = (), max_gap: int = 1
    ) -> None:
        self.cues = tuple(cues)
        self.max_gap = max_gap
        self._abbreviations: Mapping[str, str] = load_abbreviations()
        vocabulary: set[str] = set()
        for cue in self.cues:
            for part in cue.parts:
                vocabulary.update(w for w, _ in part)
        for phrase in extra_words:
            vocabulary.update(w for w, _ in analyse(phrase, self._abbreviations))
        self.vocabulary = frozenset(vocabulary)
        # Spelling without spaces → the words it stands for: "matkhau" → ("mat", "khau").
        joined: dict[str, tuple[str, ...]] = {}
        for cue in self.cues:
            for part in cue.parts:
                folded = tuple(w for w, _ in part)
                for run in [folded] + [folded[i : i + 2] for i in range(len(folded) - 1)]:
                    key = "".join(run)
                    if len(key) >= _MIN_CORRECTABLE and key not in self.vocabulary:
                        joined.setdefault(key, run)
        for word in self.vocabulary:
            if len(word) >= _MIN_CORRECTABLE and not word.isdigit():
                joined[word] = (word,)
        self._joined = joined
        self._candidates = sorted(joined)
        first: dict[str, list[tuple[Cue, int]]] = {}
        for cue in self.cues:
            for index, part in enumerate(cue.parts):
                first.setdefault(sound_key(part[0][0]), []).append((cue, index))
        self._first = first
        self._corrections: dict[str, tuple[tuple[str, ...], int] | None] = {}

    # -- turning text into tokens -------------------------------------------------------

    def _known(self, token: str) -> bool:
        return (
            token in self.vocabulary
            or token in self._abbreviations
            or any(ch.isdigit() for ch in token)
            or is_syllable(token)
        )

    def correct(self, token: str) -> tuple[tuple[str, ...], int] | None:
        """The cue words an unknown word most likely stands for, and the edit distance.

        None when nothing is close enough, or when two different cue words are equally close.
        """
        if token in self._corrections:
            return self._corrections[token]
        result: tuple[tuple[str, ...], int] | None
        if token in self._joined:
            result = (self._joined[token], 0)
        else:
            limit = 2 if len(token) >= _LONG_WORD else 1
            best = process.extract(
                token, self._candidates, scorer=OSA.distance, score_cutoff=limit, limit=2
            )
            if not best or (len(best) > 1 and best[0][1] == best[1][1]):
                result = None
            else:
                result = (self._joined[best[0][0]], int(best[0][1]))
        if len(self._corrections) >= _CACHE:
            self._corrections.clear()
        self._corrections[token] = result
        return result

    def _squeeze(self, piece: str) -> str:
        """ "alooo" → "alo", "chàoooo" → "chào"; "kkkk" (laughter) stays as typed."""
        folded = _fold(piece)
        if folded in self.vocabulary or folded in self._abbreviations:
            return piece
        squeezed = _HELD_KEY.sub(r"\1", piece)
        return squeezed if len(squeezed) > 1 else piece

    def _merge_split_words(self, words_: list[Word]) -> list[Word]:
        """Join two neighbours when together they spell a cue word ("v neid" → "vneid")."""
        out: list[Word] = []
        i = 0
        while i < len(words_):
            word = words_[i][0]
            if i + 1 < len(words_):
                nxt = words_[i + 1][0]
                glued = word + nxt
                if (
                    len(glued) > _MIN_CORRECTABLE
                    and not (self._known(word) and self._known(nxt))
                    and self._joined.get(glued) == (glued,)
                ):
                    out.append((glued, None))
                    i += 2
                    continue
            out.append(words_[i])
            i += 1
        return out

    def tokens(self, text: str) -> Tokens:
        """`text` as cue-matching tokens: normalised, re-cut, squeezed and corrected."""
        pieces = " ".join(self._squeeze(p) for p in _SPLIT.split(nfc(text).casefold()) if p)
        analysed = expand(self._merge_split_words(spelt_words(pieces)), self._abbreviations)
        out: list[str] = []
        keys: list[str | None] = []
        corrected: set[int] = set()
        for word, key in analysed:
            if len(word) < _MIN_CORRECTABLE or self._known(word):
                out.append(word)
                keys.append(key)
                continue
            fix = self.correct(word)
            if fix is None:
                out.append(word)
                keys.append(key)
                continue
            replacement, distance = fix
            if distance:
                corrected.update(range(len(out), len(out) + len(replacement)))
            out.extend(replacement)
            keys.extend([None] * len(replacement))
        return Tokens(tuple(out), tuple(keys), frozenset(corrected))

    # -- finding cues --------------------------------------------------------------------

    def _positions(
        self, tokens: Tokens, start: int, cue: Cue, index: int
    ) -> tuple[list[int], bool, int] | None:
        """Where part `index` of `cue` sits from `start` (contiguous, else with gaps), and how
        many of its words only sound alike. One such word is forgiven in a longer cue."""
        words_, sounds = tokens.words, tokens.sounds
        folded, heard = cue.folded[index], cue.heard[index]
        size = len(folded)
        end = start + size
        # Spelt alike implies sounds alike, so comparing sounds finds both kinds of match.
        if sounds[start:end] == heard:
            if words_[start:end] == folded:
                return list(range(start, end)), False, 0
            weak = sum(1 for k in range(size) if words_[start + k] != folded[k])
            if weak == 1 and size >= 2:
                return list(range(start, end)), False, 1
        if size < 2:
            return None
        positions = [start]
        weak = int(words_[start] != folded[0])
        k, j, gaps, n = 1, start + 1, 0, len(words_)
        while k < size and j < n:
            if sounds[j] == heard[k]:
                positions.append(j)
                weak += words_[j] != folded[k]
                k += 1
            else:
                gaps += 1
                if gaps > self.max_gap:
                    return None
            j += 1
        if k < size or weak > 1:
            return None
        return positions, True, weak

    @staticmethod
    def _spelling_agrees(
        tokens: Tokens, positions: list[int], part: tuple[Word, ...]
    ) -> bool | None:
        """True: spelt alike; False: one word of a longer cue disagrees (forgiven, at a
        discount); None: the spelling rules the cue out."""
        agree = disagree = 0
        for position, (folded, cue_key) in zip(positions, part, strict=True):
            typed = tokens.keys[position]
            if cue_key is None or typed is None:
                continue
            if tokens.words[position] != folded:
                # Only sounds alike ("chú" for "trú"): the tone and vowels must still agree.
                if sound_key(typed) != sound_key(cue_key):
                    return None
                continue
            if cue_key == typed:
                agree += 1
            else:
                disagree += 1
        if not disagree:
            return True
        if disagree == 1 and agree >= 1:
            return False
        return None

    def find(self, tokens: Tokens) -> list[Hit]:
        """Every cue present in `tokens`, each once (its cleanest, earliest occurrence)."""
        # (cue id, part index) → (positions, gapped, inexact spelling)
        best: dict[tuple[int, int], tuple[frozenset[int], bool, bool]] = {}
        cues_by_id: dict[int, Cue] = {}
        for start, sound in enumerate(tokens.sounds):
            for cue, index in self._first.get(sound, ()):
                part = cue.parts[index]
                found = self._positions(tokens, start, cue, index)
                if found is None:
                    continue
                positions, gapped, weak = found
                agrees = self._spelling_agrees(tokens, positions, part)
                if agrees is None:
                    continue
                inexact = bool(weak) or not agrees
                key = (id(cue), index)
                previous = best.get(key)
                if previous is None or (previous[1] or previous[2]) > (gapped or inexact):
                    best[key] = (frozenset(positions), gapped, inexact)
                cues_by_id[id(cue)] = cue
        hits: list[Hit] = []
        for cue_id, cue in cues_by_id.items():
            parts = [best.get((cue_id, index)) for index in range(len(cue.parts))]
            found_parts = [p for p in parts if p is not None]
            if len(found_parts) != len(parts):
                continue
            used: frozenset[int] = frozenset().union(*(p[0] for p in found_parts))
            hits.append(
                Hit(
                    cue,
                    used,
                    gapped=any(p[1] for p in found_parts),
                    fuzzy=any(p[2] for p in found_parts) or bool(used & tokens.corrected),
                )
            )
        return hits
