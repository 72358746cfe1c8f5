"""Read what a resident typed at a step: a button by its label, or one of the step's `answers`.

Both compare folded text (`normalize`: no diacritics, lower case, abbreviations expanded) word
by word; nothing here is a regular expression, and at most `MAX_WORDS` words of a message are
read, so the cost stays linear and bounded however long the message is.

- `match_choice`: a button's number ("2"), its label with small typos, or the first words of
  exactly one label ("gui" → "Gửi yêu cầu").
- `match_answer`: the answer whose phrase is found in the message as whole words. A short
  phrase of one word ("ok") only counts in a short reply (at most `SHORT_REPLY` words); a
  phrase right after a negation ("chưa xong") does not count; longer phrases may carry a
  small typo ("thong tin khong hopl le"), as long as the negations agree. The phrase with the
  most words wins, exact before approximate, then the answer written first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.flows.schema import AnswerSpec
from bot.text.normalize import normalize, typed_number

MAX_WORDS = 60  # words of a message read for answers
SHORT_REPLY = 3  # a short one-word phrase ("ok", "xong") counts only in a reply this short
SHORT_WORD = 5  # letters of a one-word phrase that is short in that sense ("samsung" is not)
FUZZY_MIN_CHARS = 8  # shorter phrases must be typed exactly (folded)
FUZZY_SCORE = 88.0
CHOICE_SCORE = 82.0
NEGATIONS = frozenset({"khong", "chua", "chang"})
# Words too common to name a button on their own ("không" is not "Không nhận được mã OTP").
PLAIN = frozenset(
    {"khong", "chua", "co", "da", "duoc", "roi", "toi", "ban", "minh", "cho", "cua", "va", "la"}
    | {"thi", "ma", "o", "me", "con", "cai", "mot", "nhe", "a", "ve", "xem", "lam", "hoi"}
)


def match_choice(text: str, labels: Sequence[str]) -> int | None:
    """Which label the resident typed: its number ("2"), the label itself with typos allowed,
    or the first words of exactly one label ("gui" → "Gửi yêu cầu")."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit():
        n = typed_number(stripped)
        return n - 1 if n is not None and 1 <= n <= len(labels) else None
    typed = normalize(text)
    if not typed:
        return None
    folded = [normalize(label) for label in labels]
    plain = all(w in PLAIN for w in typed.split())
    best, best_score = None, 0.0
    for i, target in enumerate(folded):
        if not target:
            continue
        score = fuzz.ratio(typed, target)
        if len(typed) >= 4 and not plain and typed in target:
            score = max(score, 90.0)
        if score > best_score:
            best, best_score = i, score
        elif score == best_score:
            best = None  # two labels fit as well: not a choice
    if best is not None and best_score >= CHOICE_SCORE:
        return best
    return _first_words(typed.split(), folded)


def _first_words(typed: list[str], labels: list[str]) -> int | None:
    """The one label that begins with the typed words, unless they are all plain words."""
    if all(w in PLAIN for w in typed):
        return None
    hits = [i for i, label in enumerate(labels) if label.split()[: len(typed)] == typed]
    return hits[0] if len(hits) == 1 else None


@dataclass(frozen=True)
class Found:
    """An answer found in a message: which one, through which phrase, how closely."""

    answer: AnswerSpec
    phrase: str
    exact: bool


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    joined: str
    negations: frozenset[str]


@lru_cache(maxsize=2048)
def _compile(phrase: str) -> _Phrase:
    words = tuple(normalize(phrase).split())
    return _Phrase(words, " ".join(words), frozenset(w for w in words if w in NEGATIONS))


def match_answer(text: str, answers: Iterable[AnswerSpec]) -> Found | None:
    """The step's answer the message means, if any (see the module's docstring)."""
    typed = normalize(text).split()[:MAX_WORDS]
    if not typed:
        return None
    best: Found | None = None
    best_key = (0, 0.0)
    for answer in answers:
        for raw in answer.means:
            phrase = _compile(raw)
            score = _score(phrase, typed)
            key = (len(phrase.words), score)
            if score > 0 and key > best_key:
                best, best_key = Found(answer, raw, exact=score == 100.0), key
    return best


def _score(phrase: _Phrase, typed: list[str]) -> float:
    """100 when the phrase is in the message as whole words, the similarity of the closest
    stretch of words when a small typo is allowed, 0 when it is not there."""
    k = len(phrase.words)
    if k == 1 and len(phrase.joined) <= SHORT_WORD and len(typed) > SHORT_REPLY:
        return 0.0
    best = 0.0
    for start in range(len(typed)):
        if start > 0 and typed[start - 1] in NEGATIONS and not phrase.negations:
            continue  # "chưa xong" is not "xong"
        if tuple(typed[start : start + k]) == phrase.words:
            return 100.0
        if len(phrase.joined) < FUZZY_MIN_CHARS:
            continue
        for size in (k - 1, k, k + 1):
            window = typed[start : start + size]
            if len(window) != size or size == 0:
                continue
            if frozenset(w for w in window if w in NEGATIONS) != phrase.negations:
                continue
            score = fuzz.ratio(" ".join(window), phrase.joined, score_cutoff=FUZZY_SCORE)
            best = max(best, min(score, 99.0))
    return best
