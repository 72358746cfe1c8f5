"""Find the lexicon's signals in a message's words, however they are spelt.

A message is read in up to three views, each a line of folded words:

* ``plain``: `bot.text.normalize.words` (lower case, no diacritics, no punctuation);
* ``expanded``: the same with the bot's abbreviations expanded ("ck" → "chuyen khoan");
* ``clear``: after undoing spam tricks: lookalike letters from other scripts, digits for
  letters ("nh4n t1en"), punctuation inside words ("ch.uyen kh.oan", "N/ö h/ü"), glued
  words ("NhanTien"), spaced letters ("t h u o n g") and the lexicon's teencode.

Phrases from `lexicon.yaml` are compiled once into regular expressions over these views.
How much undoing was needed is itself a signal (`obfuscated_text`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.features.scam.chars import (
    CONFUSABLE_TABLE,
    LEET,
    foreign_marks,
    has_other_script,
    is_syllable,
    skeleton,
)
from bot.features.scam.content import Lexicon
from bot.text.normalize import fold, load_abbreviations, words

MAX_TEXT_CHARS = 4000
# How editors write "a number" in a phrase (a bare "#" would start a YAML comment).
NUMBER_MARK = "<số>"
NEGATION_WINDOW = 4
STRONG_NEGATION_WINDOW = 16
MIN_GLUED = 6

# A gap of up to three words, never across a negation ("nếu không phải bạn, ĐỪNG nhấn").
_GAP = r"(?:(?!(?:khong|dung|ko) )\S+ ){0,3}"
_NUMBER = r"\d+"
_INNER_PUNCT = re.compile(r"(?<=[^\W\d_])([.'\",:;_^~*/\\|!$@`´’‘-]+)(?=[^\W\d_])")
_PUNCT_AS_LETTER = {"!": "i", "@": "a", "$": "s", "|": "l"}
# Odd punctuation inside a word: marks never found in words ("d!eu", "N'ha'n", "Mä~n"), and
# separators between two real word parts ("HangN,gayy"), not between abbreviations ("HK:T").
# Cheap pre-check: the characters `_ODD_INNER` looks for, right after a letter.
_ODD_HINT = re.compile(r"[^\W\d_][!$@|'\"^~*`´’‘,;:_]")
_ODD_INNER = re.compile(
    r"(?<=[^\W\d_])[!$@|'\"^~*`´’‘]+(?=[^\W\d_])"
    r"|(?<=[^\W\d_]{2})[,;:_]+(?=[^\W\d_]{2})"
)
_SHORT_DOTTED = re.compile(
    r"(?<![^\W\d_])[^\W\d_]{1,2}\.(?=[^\W\d_])|(?<=[^\W\d_])\.[^\W\d_](?![^\W\d_])"
)
_NUMBERISH = re.compile(r"[0-9oil]+(?:k|tr|d|vnd|%)?")
_TAIL_TAG = re.compile(r"[A-Za-z]{3,6}")
_MIXED_CASE = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]|^[a-z]+[A-Z]")
_URLISH = re.compile(r"https?://|www\.|\.(?:com|vn|net|org)\b", re.IGNORECASE)
MAX_TOKEN = 40


_DIGIT_INSIDE = re.compile(r"[^\W\d_]\d+[^\W\d_]")
_HAS_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=8192)
def _number_key(word: str) -> str:
    """The index key of a word with digits: "500k" → "#k", "x3" → "x#"."""
    return _DIGITS.sub("#", word)


_PHRASE_TOKEN = re.compile(r"\([^()]*\)\??|\S+")


def _phrase_tokens(phrase: str) -> list[tuple[list[list[str]], bool] | None]:
    """A phrase as a list of slots: None for a gap, else (alternatives, optional).

    Each alternative is a list of words; a word may contain "#" (a number).
    """
    slots: list[tuple[list[list[str]], bool] | None] = []
    for piece in _PHRASE_TOKEN.findall(phrase.replace(NUMBER_MARK, "#")):
        if piece == "*":
            slots.append(None)
            continue
        optional = piece.endswith("?") and len(piece) > 1
        body = piece[:-1] if optional else piece
        if body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        alternatives = []
        for alt in body.split("|"):
            alt_words = []
            for word in alt.split():
                pieces = ["".join(words(piece)) for piece in word.split("#")]
                if any(pieces) or len(pieces) > 1:
                    alt_words.append("#".join(pieces))
            if alt_words:
                alternatives.append(alt_words)
        if alternatives:
            slots.append((alternatives, optional))
    return slots


def compile_phrase(phrase: str) -> str:
    """Regex source for one lexicon phrase over a view (words joined and ended by spaces)."""
    parts: list[str] = []
    for slot in _phrase_tokens(phrase):
        if slot is None:
            if parts and parts[-1] != _GAP:
                parts.append(_GAP)
            continue
        alternatives, optional = slot
        sources = {
            "".join(_NUMBER.join(map(re.escape, word.split("#"))) + " " for word in alt)
            for alt in alternatives
        }
        group = "(?:" + "|".join(sorted(sources, key=len, reverse=True)) + ")"
        parts.append(group + "?" if optional else group)
    while parts and parts[-1] == _GAP:
        parts.pop()
    while parts and parts[0] == _GAP:
        parts.pop(0)
    if not parts:
        msg = f"empty phrase: {phrase!r}"
        raise ValueError(msg)
    return r"(?<!\S)" + "".join(parts)


def _first_words(phrase: str) -> set[str]:
    """Words a phrase can start with ("#" for a number), to index it."""
    keys: set[str] = set()
    for slot in _phrase_tokens(phrase):
        if slot is None:
            continue
        alternatives, optional = slot
        for alt in alternatives:
            first = alt[0]
            keys.add(first)
        if not optional:
            break
    return keys


class PhraseIndex:
    """Phrases grouped under keys, indexed by their first word so a scan costs one dict
    lookup per word of the message instead of one regex per phrase."""

    def __init__(self) -> None:
        self._by_word: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        self.keys: list[str] = []

    def add(self, key: str, phrases: Iterable[str]) -> None:
        if key not in self.keys:
            self.keys.append(key)
        for phrase in phrases:
            pattern = re.compile(compile_phrase(phrase))
            for word in _first_words(phrase):
                self._by_word.setdefault(word, []).append((key, pattern))

    def scan(
        self,
        view: str,
        found: dict[str, tuple[str, int]] | None = None,
        reject: Callable[[str, str, int], bool] | None = None,
    ) -> dict[str, tuple[str, int]]:
        """First match of each key in `view`: key → (matched words, start offset)."""
        found = {} if found is None else found
        by_word = self._by_word
        pos = 0
        for word in view.split(" "):
            if word:
                candidates = by_word.get(word, [])
                if _HAS_DIGIT.search(word):
                    candidates = candidates + by_word.get(_number_key(word), [])
                for key, pattern in candidates:
                    if key in found:
                        continue
                    match = pattern.match(view, pos)
                    if match is None or (reject is not None and reject(key, view, pos)):
                        continue
                    found[key] = (match.group(0).strip(), pos)
            pos += len(word) + 1
        return found


@dataclass(frozen=True)
class Views:
    """The folded views of one message, and how much spam disguise it carried."""

    plain: str
    expanded: str
    clear: str
    obfuscation: int

    def all(self) -> list[str]:
        out = [self.plain]
        for view in (self.expanded, self.clear):
            if view not in out:
                out.append(view)
        return out


class TextReader:
    """Builds the views of a message: the abbreviation and teencode tables loaded once."""

    def __init__(self, teencode: Mapping[str, Iterable[str]], vocabulary: Iterable[str]) -> None:
        self._abbreviations = dict(load_abbreviations())
        self._teencode: dict[str, str] = {}
        for target, variants in teencode.items():
            folded_target = " ".join(words(target))
            for variant in variants:
                key = " ".join(words(variant))
                if key and " " not in key and key != folded_target:
                    self._teencode[key] = folded_target
        self._vocabulary = frozenset(vocabulary) | frozenset(self._teencode.values())

    def _expand(self, tokens: list[str], table: Mapping[str, str]) -> str:
        return " ".join(table.get(token, token) for token in tokens) + " "

    def views(self, text: str) -> Views:
        text = unicodedata.normalize("NFC", text[:MAX_TEXT_CHARS])
        plain_tokens = fast_words(text)
        plain = " ".join(plain_tokens) + " "
        expanded = self._expand(plain_tokens, self._abbreviations)
        clear_tokens, obfuscation = self._clear_tokens(text)
        clear = self._expand([self._teencode.get(t, t) for t in clear_tokens], self._abbreviations)
        return Views(plain, expanded, clear, obfuscation)

    def _clear_tokens(self, text: str) -> tuple[list[str], int]:
        score = 0
        # Whole link-looking words out (token by token: a regex over the text would backtrack).
        no_links = (
            " ".join(tok for tok in text.split() if not _URLISH.search(tok))
            if _URLISH.search(text)
            else text
        )
        odd = len(_ODD_INNER.findall(no_links)) if _ODD_HINT.search(no_links) else 0
        dotted = len(_SHORT_DOTTED.findall(no_links)) if "." in no_links else 0
        score += (odd + dotted) // 2
        score += min(foreign_marks(no_links), 6)
        if has_other_script(no_links) and re.search(r"[a-zA-Z]", no_links):
            score += 2
        tail = no_links.split()[-1:] if no_links.split() else []
        if (
            tail
            and _TAIL_TAG.fullmatch(tail[0])
            and _MIXED_CASE.search(tail[0])
            and skeleton(tail[0]) not in self._vocabulary
        ):
            score += 1

        def inner(match: re.Match[str]) -> str:
            chars = match.group(1)
            return _PUNCT_AS_LETTER.get(chars, "") if len(chars) == 1 else ""

        joined = _INNER_PUNCT.sub(inner, no_links)
        split_camel = _split_camel(joined)
        tokens: list[str] = []
        for raw in fast_words(_skeleton_letters(split_camel)):
            token = self._teencode.get(raw, raw)
            if len(token) > MAX_TOKEN:
                tokens.append(token)
                continue
            if not token.isalpha() and not token.isdigit() and " " not in token:
                fixed, leet = self._unleet(token)
                score += leet
                token = fixed
            if "j" in token and token not in self._vocabulary:
                # Vietnamese has no "j": spam writes "Tjen", "DacBjet" for "tien", "biet".
                swapped = token.replace("j", "i")
                if is_syllable(swapped) or swapped in self._vocabulary:
                    score += 1
                    token = swapped
            if len(token) >= MIN_GLUED and token.isalpha() and not is_syllable(token):
                parts = self._split_glued(token)
                if parts:
                    tokens.extend(parts)
                    continue
            tokens.append(token)
        tokens, spaced = _join_spaced_letters(tokens, self._vocabulary)
        score += spaced
        return tokens, score

    def _split_glued(self, token: str) -> list[str] | None:
        """ "nhanngay" → ["nhan", "ngay"]: two or three syllables typed without spaces."""
        if token in self._vocabulary:
            return None
        parts = _glued_syllables(token)
        return list(parts) if parts else None

    def _unleet(self, token: str) -> tuple[str, int]:
        if _NUMBERISH.fullmatch(token) and any(c in "oil" for c in token.rstrip("ktrdvn%")):
            # "1O8k", "5Ok": letters O and l standing for digits in an amount.
            body = token.rstrip("ktrdvn%")
            unit = token[len(body) :]
            return body.replace("o", "0").replace("i", "1").replace("l", "1") + unit, 1
        if len(token) < 3 or not (token[0].isalpha() or _DIGIT_INSIDE.search(token)):
            return token, 0  # "S1", "3N", "30N": codes and amounts, not disguised words
        letters = token.translate(LEET)
        if letters.isalpha() and (is_syllable(letters) or letters in self._vocabulary):
            return letters, 1
        return token, 0


@lru_cache(maxsize=16384)
def _glued_syllables(token: str) -> tuple[str, ...] | None:
    parts = _syllables(token, 3)
    return tuple(parts) if parts else None


def _syllables(token: str, parts: int) -> list[str] | None:
    if is_syllable(token) and len(token) >= 2:
        return [token]
    if parts <= 1:
        return None
    for cut in range(min(len(token) - 2, 7), 1, -1):
        head = token[:cut]
        if is_syllable(head):
            rest = _syllables(token[cut:], parts - 1)
            if rest:
                return [head, *rest]
    return None


class _FoldTable(dict[int, str]):
    """`fold` one character at a time, remembered: lets `str.translate` fold in C."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold(chr(codepoint))
        self[codepoint] = folded
        return folded


_FOLD_TABLE = _FoldTable()
_NON_WORD = re.compile(r"[^\w]+")


def fast_words(text: str) -> list[str]:
    """Exactly `bot.text.normalize.words`, faster: folding is a cached per-character table.

    Folding is per character (NFD splits each precomposed letter on its own, and a lone
    combining mark folds to nothing), so mapping characters one by one gives `fold`'s result.
    """
    folded = text.casefold().translate(_FOLD_TABLE)
    return [w for w in _NON_WORD.sub(" ", folded).replace("_", " ").split() if w]


_THREE_LETTERS = re.compile(r" [^\W\d_] [^\W\d_] [^\W\d_] ")
_CAMEL = re.compile(r"(?<=[a-zđăâêôơư\u00e0-\u00ff\u1ea1-\u1ef9])(?=[A-ZĐ])")


def _split_camel(text: str) -> str:
    """ "NhanTien" → "Nhan Tien" (in the clear view only: brand names get split too)."""
    return _CAMEL.sub(" ", text)


def _skeleton_letters(text: str) -> str:
    # Map lookalike letters only; Vietnamese diacritics are folded later by `words`.
    return text.translate(CONFUSABLE_TABLE)


def _join_spaced_letters(tokens: list[str], known: frozenset[str]) -> tuple[list[str], int]:
    """ "t h u o n g" → "thuong" when the letters spell a word (not "H V T" abbreviations)."""
    if not _THREE_LETTERS.search(" " + " ".join(tokens) + " "):
        return tokens, 0
    out: list[str] = []
    run: list[str] = []
    runs = 0
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        joined = "".join(run)
        if len(run) >= 3 and (is_syllable(joined) or joined in known):
            out.append(joined)
            runs += 1
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out, runs


@dataclass(frozen=True)
class Hit:
    """A lexicon match: the signal code, the words that matched and where."""

    code: str
    matched: str
    start: int = 0


def _alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    folded = sorted({" ".join(words(p)) for p in phrases} - {""}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, folded)) + r") ")


@dataclass(frozen=True)
class Matches:
    """Everything the lexicon found in one message."""

    signals: list[Hit]
    impersonations: list[Hit]
    mentions: list[Hit]  # keys given to `PhraseMatcher(mentions=…)`
    awareness: int  # how many different anti-scam warning phrases


class PhraseMatcher:
    """The lexicon's phrases (and the allowlist's "mentions"), compiled and indexed once in a
    single first-word index, so each view of a message is scanned once."""

    def __init__(
        self, lexicon: Lexicon, mentions: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self._index = PhraseIndex()
        self._negatable: set[str] = set()
        for code, spec in lexicon.signals.items():
            if spec.phrases:
                self._index.add("s:" + code, spec.phrases)
                if spec.negatable:
                    self._negatable.add("s:" + code)
        for imp in lexicon.impersonation.values():
            self._index.add("i:" + imp.code, imp.phrases)
        for number, phrase in enumerate(lexicon.awareness):
            self._index.add(f"a:{number}", [phrase])
        for key, phrases in (mentions or {}).items():
            self._index.add("m:" + key, list(phrases))
        self._negation = _alternation(lexicon.negations)
        self._strong_negation = _alternation(lexicon.strong_negations)
        self._vocabulary = {
            word for spec in lexicon.signals.values() for p in spec.phrases for word in words(p)
        }

    def vocabulary(self) -> set[str]:
        return set(self._vocabulary)

    def _negated(self, view: str, start: int) -> bool:
        before = view[max(0, start - 160) : start].split()
        near = " ".join(before[-NEGATION_WINDOW:]) + " "
        if self._negation is not None and self._negation.search(near):
            return True
        far = " ".join(before[-STRONG_NEGATION_WINDOW:]) + " "
        return self._strong_negation is not None and bool(self._strong_negation.search(far))

    def _reject(self, key: str, view: str, pos: int) -> bool:
        return key in self._negatable and self._negated(view, pos)

    def match(self, views: Views) -> Matches:
        """Scan every view once; the first match of each phrase group wins."""
        found: dict[str, tuple[str, int]] = {}
        for view in views.all():
            self._index.scan(view, found, self._reject)
        groups: dict[str, list[Hit]] = {"s": [], "i": [], "m": [], "a": []}
        for key, (matched, start) in found.items():
            kind, _, name = key.partition(":")
            groups[kind].append(Hit(name, matched, start))
        return Matches(groups["s"], groups["i"], groups["m"], len(groups["a"]))

    def signals(self, views: Views) -> list[Hit]:
        return self.match(views).signals
