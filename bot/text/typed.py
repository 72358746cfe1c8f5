"""Read a message the way Vietnamese is really typed, before anything tries to understand it.

`Cleaner.clean(text)` returns readable text in which:

* redaction markers stay understandable: "[đã ẩn số định danh]" reads "số định danh";
* dialect words typed with diacritics are replaced ("mần" → "làm", "răng" → "sao");
* Telex/VNI leftovers are decoded ("ca8n cu7o71c" → "căn cước", `bot.text.keystrokes`);
* abbreviations with several meanings are read in context ("ko dk" → "không được",
  "dk kết hôn" → "đăng ký kết hôn", "vk ck" → "vk chồng");
* unknown words one typo away from the bot's own vocabulary are corrected ("sih" → "sinh");
* addressing ("shop ơi", "ad ơi", "xã ơi") and polite frames ("dạ em chào anh chị ạ, cho em
  hỏi") are dropped when something else remains; `Cleaned.addressed` says one was there.

Only a bounded prefix of the message is read (`MAX_CHARS`), every pattern is linear and
every table lookup is over phrases of bounded length, so the cost grows linearly with the
message and stops growing at the prefix.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.text.keystrokes import decode
from bot.text.normalize import fold, load_abbreviations, nfc
from bot.text.syllables import is_syllable

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "content" / "nlu" / "typing.yaml"
MAX_CHARS = 2000
_MARKER = re.compile(r"\[đã ẩn ([^\[\]]{1,40})\]")
_CHUNK = re.compile(r"\S{1,200}")
_URLISH = re.compile(r"://|www\.|@|\w\.\w|/", re.IGNORECASE)
_PIECE = re.compile(r"\w+|[^\w\s]+")
_CALL = frozenset({"oi", "ơi", "ới", "oii", "ơii"})
_MAX_PHRASE = 6
_RECENT = 256


@dataclass(frozen=True, slots=True)
class Contextual:
    """An abbreviation read by its neighbours (folded words → meaning)."""

    default: str | None = None
    after: Mapping[str, str] = field(default_factory=dict)
    before: Mapping[str, str] = field(default_factory=dict)
    at_end: str | None = None
    spellings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TypingRules:
    """`content/nlu/typing.yaml`: dialect words, contextual abbreviations, frames."""

    spelled: Mapping[str, str]
    contextual: Mapping[str, Contextual]
    addressees: frozenset[tuple[str, ...]]
    frames: frozenset[tuple[str, ...]]

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> TypingRules:
        spelled = {nfc(str(k)).casefold(): nfc(str(v)) for k, v in _mapping(raw, "spelled").items()}
        contextual: dict[str, Contextual] = {}
        for key, spec in _mapping(raw, "contextual").items():
            if not isinstance(spec, Mapping):
                msg = f"typing.yaml: contextual.{key} must be a mapping"
                raise ValueError(msg)
            folded = fold(str(key))
            previous = contextual.get(folded)
            spellings = {nfc(str(key)).casefold()} | set(previous.spellings if previous else ())
            contextual[folded] = Contextual(
                spellings=frozenset(spellings),
                default=_text(spec.get("default")),
                after={fold(str(k)): nfc(str(v)) for k, v in (spec.get("after") or {}).items()},
                before={fold(str(k)): nfc(str(v)) for k, v in (spec.get("before") or {}).items()},
                at_end=_text(spec.get("at_end")),
            )
        return cls(
            spelled=spelled,
            contextual=contextual,
            addressees=_phrases(raw.get("addressees")),
            frames=_phrases(raw.get("polite_frames")),
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_RULES) -> TypingRules:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, Mapping):
            msg = f"{path}: expected a mapping"
            raise ValueError(msg)
        return cls.from_dict(raw)


def _mapping(raw: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        msg = f"typing.yaml: '{key}' must be a mapping"
        raise ValueError(msg)
    return value


def _text(value: object) -> str | None:
    return nfc(str(value)) if value not in (None, "") else None


def _phrases(values: object) -> frozenset[tuple[str, ...]]:
    if not isinstance(values, list):
        msg = "typing.yaml: addressees and polite_frames must be lists"
        raise ValueError(msg)
    out = set()
    for value in values:
        words = tuple(fold(w) for w in _PIECE.findall(str(value)) if w[0].isalnum())
        if not words or len(words) > _MAX_PHRASE:
            msg = f"typing.yaml: '{value}' must have 1 to {_MAX_PHRASE} words"
            raise ValueError(msg)
        out.add(words)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A message made readable for routing."""

    text: str
    addressed: bool = False
    dropped: tuple[str, ...] = ()


@dataclass(slots=True)
class _Word:
    text: str  # as it will be shown, NFC, casefolded
    folded: str
    punct: bool = False
    verbatim: bool = False  # a link or address: never rewritten

    @classmethod
    def of(cls, text: str, *, punct: bool = False, verbatim: bool = False) -> _Word:
        return cls(text, fold(text), punct, verbatim)


class Speller:
    """Word-level typo repair against a vocabulary (word → how often it is used)."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self._counts = {w: n for w, n in vocabulary.items() if len(w) >= 2 and w.isalpha()}
        self._choices = sorted(self._counts)
        self._cache: dict[str, str | None] = {}

    def __contains__(self, word: str) -> bool:
        return word in self._counts

    def correct(self, word: str) -> str | None:
        """The vocabulary word `word` was most likely meant as, or None."""
        if word in self._cache:
            return self._cache[word]
        limit = 2 if len(word) >= 8 else 1
        near = process.extract(
            word, self._choices, scorer=OSA.distance, score_cutoff=limit, limit=6
        )
        result: str | None = None
        if near:
            closest = min(d for _, d, _ in near)
            best = sorted((c for c, d, _ in near if d == closest), key=lambda c: -self._counts[c])
            top = self._counts[best[0]]
            if len(best) == 1 or top >= 3 * self._counts[best[1]]:
                result = best[0]
        if len(self._cache) > 8192:
            self._cache.clear()
        self._cache[word] = result
        return result


class Cleaner:
    """Applies `TypingRules`, the abbreviations and the speller to one message."""

    def __init__(
        self,
        rules: TypingRules,
        abbreviations: Mapping[str, str],
        vocabulary: Mapping[str, int] | None = None,
    ) -> None:
        self.rules = rules
        self._abbreviations = abbreviations
        self.speller = Speller(vocabulary or {})
        # The same message is read several times per turn (commands, then routing): its
        # words are split and repaired once, with or without the polite frames after that.
        self._recent: dict[tuple[str, bool], Cleaned] = {}
        self._read: dict[str, tuple[list[_Word], tuple[str, ...]]] = {}

    @classmethod
    def default(cls, vocabulary: Mapping[str, int] | None = None) -> Cleaner:
        return cls(_default_rules(), load_abbreviations(), vocabulary)

    # -- words -----------------------------------------------------------------------------

    def _split(self, text: str) -> list[_Word]:
        text = _MARKER.sub(r" \1 ", nfc(text[:MAX_CHARS]))
        out: list[_Word] = []
        for chunk in _CHUNK.findall(text):
            if _URLISH.search(chunk) and any(ch.isalpha() for ch in chunk):
                out.append(_Word.of(chunk.casefold(), verbatim=True))
                continue
            for piece in _PIECE.findall(chunk.casefold()):
                out.append(_Word.of(piece, punct=not piece[0].isalnum() and piece[0] != "_"))
        return out

    def _known(self, folded: str) -> bool:
        return (
            is_syllable(folded)
            or folded in self.speller
            or folded in self._abbreviations
            or folded in self.rules.contextual
        )

    def _repair(self, word: _Word) -> None:
        if word.punct or word.verbatim:
            return
        spelled = self.rules.spelled.get(word.text)
        if spelled is not None:
            word.text, word.folded = spelled, fold(spelled)
            return
        if word.text != word.folded or self._known(word.folded):
            return
        decoded = decode(word.text)
        if decoded != word.text:
            word.text, word.folded = decoded, fold(decoded)
            return
        if len(word.folded) >= 3 and not any(ch.isdigit() for ch in word.folded):
            fixed = self.speller.correct(word.folded)
            if fixed is not None:
                word.text, word.folded = fixed, fixed

    def _in_context(self, words: list[_Word]) -> None:
        content = [w for w in words if not w.punct and not w.verbatim]
        for index, word in enumerate(content):
            rule = self.rules.contextual.get(word.folded)
            # "hỏng" (broken) is not the "hong" of "được hong": only words typed without
            # diacritics, or spelt as in the table ("đk"), are read in context.
            if rule is None or (word.text != word.folded and word.text not in rule.spellings):
                continue
            before = content[index - 1].folded if index else ""
            after = content[index + 1].folded if index + 1 < len(content) else ""
            meaning = (
                rule.after.get(before)
                or rule.before.get(after)
                or (rule.at_end if not after else None)
                or rule.default
            )
            if meaning is not None:
                word.text, word.folded = meaning, fold(meaning)

    # -- addressing and frames ---------------------------------------------------------------

    @staticmethod
    def _match(words: list[_Word], start: int, table: frozenset[tuple[str, ...]]) -> int:
        """Length of the longest phrase of `table` at `start` (0 if none)."""
        for size in range(min(_MAX_PHRASE, len(words) - start), 0, -1):
            run = words[start : start + size]
            if any(w.punct or w.verbatim for w in run):
                continue
            if tuple(w.folded for w in run) in table:
                return size
        return 0

    def _called(self, words: list[_Word], start: int) -> int:
        """Length of an addressee at `start` followed by "ơi" (0 if none)."""
        for size in range(min(_MAX_PHRASE, len(words) - start - 1), 0, -1):
            run = words[start : start + size]
            called = words[start + size].text in _CALL and not any(w.punct for w in run)
            if called and tuple(w.folded for w in run) in self.rules.addressees:
                return size
        return 0

    def _calls(self, words: list[_Word]) -> tuple[list[_Word], list[str]]:
        """Drop "X ơi" anywhere (X an addressee) and a lone "ơi"."""
        kept: list[_Word] = []
        dropped: list[str] = []
        i = 0
        while i < len(words):
            size = self._called(words, i)
            if size:
                dropped.append(" ".join(w.text for w in words[i : i + size + 1]))
                i += size + 1
                continue
            if words[i].text in _CALL:
                dropped.append(words[i].text)
                i += 1
                continue
            kept.append(words[i])
            i += 1
        return kept, dropped

    def _strip_start(self, words: list[_Word], dropped: list[str]) -> list[_Word]:
        i = 0
        while i < len(words):
            if words[i].punct:
                i += 1
                continue
            size = self._match(words, i, self.rules.frames)
            if not size:
                size = self._match(words, i, self.rules.addressees)
                nxt = i + size
                followed = size and nxt < len(words) and not words[nxt].punct
                if followed and not self._match(words, nxt, self.rules.frames):
                    size = 0
            if not size:
                break
            dropped.append(" ".join(w.text for w in words[i : i + size]))
            i += size
        return words[i:]

    def _strip_end(self, words: list[_Word], dropped: list[str]) -> list[_Word]:
        end = len(words)
        while end > 0:
            if words[end - 1].punct:
                end -= 1
                continue
            size = 0
            for length in range(min(_MAX_PHRASE, end), 0, -1):
                if self._match(words, end - length, self.rules.frames) == length:
                    size = length
                    break
            if not size:
                break
            dropped.append(" ".join(w.text for w in words[end - size : end]))
            end -= size
        tail = [w for w in words[end:] if w.punct and w.text[0] in "?"]
        return words[:end] + tail[:1]

    # -- the whole message -------------------------------------------------------------------

    def clean(self, text: str, *, frames: bool = True) -> Cleaned:
        """`text` made readable for routing (see the module docstring).

        `frames=False` keeps the polite frames (for short commands: "thôi chào em nhé" is
        a goodbye, not "thôi").
        """
        key = (text[:MAX_CHARS], frames)
        found = self._recent.get(key)
        if found is None:
            found = self._clean(key[0], frames=frames)
            if len(self._recent) >= _RECENT:
                self._recent.clear()
            self._recent[key] = found
        return found

    def _words(self, text: str) -> tuple[list[_Word], tuple[str, ...]]:
        """The repaired words of `text` without "X ơi", and what was dropped (not changed
        afterwards: shared by both readings of one message)."""
        found = self._read.get(text)
        if found is None:
            words = self._split(text)
            for word in words:
                self._repair(word)
            self._in_context(words)
            kept, dropped = self._calls(words)
            found = kept, tuple(dropped)
            if len(self._read) >= _RECENT:
                self._read.clear()
            self._read[text] = found
        return found

    def _clean(self, text: str, *, frames: bool) -> Cleaned:
        words, called = self._words(text)
        dropped = list(called)
        addressed = bool(dropped)
        if not words:
            return Cleaned("", addressed=addressed, dropped=tuple(dropped))
        body = self._strip_end(self._strip_start(words, dropped), dropped) if frames else words
        if not any(not w.punct for w in body):
            body = words
        return Cleaned(_join(body), addressed=addressed, dropped=tuple(dropped))


def _join(words: Iterable[_Word]) -> str:
    out: list[str] = []
    for word in words:
        if word.punct and out:
            out[-1] += word.text
        else:
            out.append(word.text)
    return " ".join(out).strip()


@lru_cache(maxsize=1)
def _default_rules() -> TypingRules:
    return TypingRules.load()


def vocabulary_of(texts: Iterable[str]) -> Counter[str]:
    """Folded word counts over `texts` (the speller's vocabulary)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _PIECE.findall(fold(text)) if w.isalpha())
    return counts
