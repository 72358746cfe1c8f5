"""Find procedures from what residents type: diacritics-insensitive, typo-tolerant, synonym-aware.

How a query is scored:

1. Text is normalised with `bot.text.normalize.normalize` (NFC, lower case, diacritics and
   punctuation dropped, common abbreviations such as "cccd", "bhyt" expanded).
2. Synonyms from ``content/procedures/_synonyms.yaml`` add the official wording next to the
   resident's ("sổ đỏ" → "giấy chứng nhận quyền sử dụng đất", "hộ khẩu" → "thường trú").
   Stop words ("cho mình hỏi", "cần gì", "ở đâu") are dropped.
3. Words the catalogue does not know are corrected: glued words are split ("khaisinh"),
   common dialect and spelling swaps are folded (tr/ch, s/x, d/gi/r, i/y, final n/ng and c/t:
   "tam chu" → "tạm trú", "dang ki" → "đăng ký"), and remaining typos are matched to the
   vocabulary with RapidFuzz (optimal string alignment distance, so "khia" → "khai").
4. Each procedure has several strings: its name, short name, aliases and keywords. Every
   string is compared with the query as weighted sets of words and word pairs, weights being
   BM25 inverse document frequencies over procedures; the string's score is the F-measure of
   the query weight it covers (recall) and of its own weight the query covers (precision).
   A procedure scores its best string, plus a little for how much of the query all its
   strings cover together. Scores are in [0, 1].
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.features.procedures.catalogue import ContentError, load_yaml_mapping
from bot.features.procedures.model import Procedure
from bot.text.normalize import load_abbreviations, normalize

SYNONYMS_FILE = "procedures/_synonyms.yaml"

# String weights: how much a match on each kind of string counts.
W_NAME = 1.0
W_SHORT = 1.0
W_ALIAS = 1.0
W_KEYWORD = 0.8
W_FIELD = 0.45
W_HEAD = 0.9
# Confidence in a corrected word (dialect fold, glued split, fuzzy typo).
C_FOLD = 0.9
C_SPLIT = 0.9
C_FUZZY = 0.8
# Expanded synonyms count a little less than the resident's own words.
C_SYNONYM = 0.9
FUZZY_MIN_SIMILARITY = 0.74
FUZZY_MIN_LENGTH = 4
# No procedure word is longer; a longer "word" (50 KB of 'a') would cost time by its square.
FUZZY_MAX_LENGTH = 40
# F-measure β: recall (the query is explained) matters more than precision (the string is used).
BETA = 1.6
# Share of the final score that comes from the best single string vs. all strings together.
BEST_SHARE = 0.85
PAIR_BOOST = 1.5
UNKNOWN_WEIGHT_SHARE = 0.5
# A term found in more than this share of procedures does not open candidates by itself.
COMMON_SHARE = 0.06
COMMON_MIN = 20

_INITIAL_FOLDS = (("tr", "ch"), ("gi", "d"), ("r", "d"), ("x", "s"))
_FINAL_FOLDS = (("ng", "n"), ("nh", "n"), ("c", "t"))


def loose(word: str) -> str:
    """A folded word with the usual dialect and spelling swaps merged ("truc" → "chut")."""
    for src, dst in _INITIAL_FOLDS:
        if word.startswith(src):
            word = dst + word[len(src) :]
            break
    word = word.replace("y", "i")
    for src, dst in _FINAL_FOLDS:
        if word.endswith(src) and len(word) > len(src):
            word = word[: -len(src)] + dst
            break
    return word


# Official names carry qualifiers after these words; the part before them is what people ask for.
_QUALIFIER = re.compile(
    r"\s*(?:\(|\bđối với\b|\btrong trường hợp\b|\btrường hợp\b|\bthuộc thẩm quyền\b"
    r"|\btheo quy định\b|\bthực hiện tại\b|\bthực hiện bằng\b|\bbằng dịch vụ công\b|\btại cấp\b)",
    re.IGNORECASE,
)
_HEAD_MIN_WORDS = 2


def name_head(name: str) -> str:
    """An official name without its qualifiers: "Cấp giấy phép xây dựng mới đối với công
    trình cấp III…" → "Cấp giấy phép xây dựng mới"."""
    m = _QUALIFIER.search(name)
    if m is None:
        return name
    head = name[: m.start()].strip(" ,;:-")
    return head if len(head.split()) >= _HEAD_MIN_WORDS else name


@dataclass(frozen=True)
class Hit:
    """One search result: the national code, the name to show and a score in [0, 1]."""

    code: str
    name: str
    score: float

    def as_dict(self) -> dict[str, str | float]:
        return {"code": self.code, "name": self.name, "score": self.score}


@dataclass(frozen=True)
class Lexicon:
    """Synonyms (resident phrase → official phrase) and stop phrases, all normalised."""

    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()

    @classmethod
    def load(cls, content_dir: Path) -> Lexicon:
        path = content_dir / SYNONYMS_FILE
        raw = load_yaml_mapping(path)
        return cls.from_mapping(raw, source=path.name)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object], *, source: str = "synonyms") -> Lexicon:
        problems: list[str] = []
        abbreviations = load_abbreviations()
        synonyms: dict[str, set[str]] = defaultdict(set)
        table = raw.get("synonyms") or {}
        if not isinstance(table, Mapping):
            problems.append(f"{source}: 'synonyms' must be a mapping")
            table = {}
        for canonical, variants in table.items():
            target = normalize(str(canonical), abbreviations)
            if not target or not isinstance(variants, list) or not variants:
                problems.append(f"{source}: synonyms.{canonical}: give a list of phrases")
                continue
            for variant in variants:
                key = normalize(str(variant), abbreviations)
                if key and key != target:
                    synonyms[key].add(target)
        stop = raw.get("stopwords") or []
        if not isinstance(stop, list):
            problems.append(f"{source}: 'stopwords' must be a list")
            stop = []
        unknown = set(raw) - {"synonyms", "stopwords"}
        if unknown:
            problems.append(f"{source}: unknown keys {sorted(unknown)}")
        if problems:
            raise ContentError(problems)
        stopwords = frozenset(s for s in (normalize(str(w), abbreviations) for w in stop) if s)
        return cls(synonyms={k: tuple(sorted(v)) for k, v in synonyms.items()}, stopwords=stopwords)


class _PhraseTable:
    """Phrases indexed by their first word, for fast longest-first matching in a word list."""

    def __init__(self, phrases: Iterable[str]) -> None:
        table: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in set(phrases):
            parts = tuple(phrase.split())
            if parts:
                table[parts[0]].append(parts)
        self._table = {k: sorted(v, key=len, reverse=True) for k, v in table.items()}

    def spans(self, words: Sequence[str]) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, phrase) occurrences, the longest phrase winning."""
        found: list[tuple[int, int, str]] = []
        n = len(words)
        for i, word in enumerate(words):
            for parts in self._table.get(word, ()):
                end = i + len(parts)
                if end <= n and tuple(words[i:end]) == parts:
                    found.append((i, end, " ".join(parts)))
        # Longest first, then leftmost; drop overlaps.
        found.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken = [False] * n
        spans: list[tuple[int, int, str]] = []
        for start, end, phrase in found:
            if not any(taken[start:end]):
                spans.append((start, end, phrase))
                for j in range(start, end):
                    taken[j] = True
        return sorted(spans)


def _terms(words: Sequence[str]) -> list[str]:
    """Words and adjacent word pairs ("khai sinh" → khai, sinh, khai_sinh)."""
    out = list(words)
    out += [f"{a}_{b}" for a, b in itertools.pairwise(words)]
    return out


@dataclass
class _Entry:
    proc: int
    weight: float
    terms: frozenset[str]
    mass: float = 0.0


@dataclass
class _Query:
    # term → weight (idf × confidence)
    weights: dict[str, float]
    total: float


def _drop_stopwords(words: list[str], stop: _PhraseTable, *, keep_if_empty: bool) -> list[str]:
    spans = stop.spans(words)
    if not spans:
        return words
    drop: set[int] = set()
    for start, end, _phrase in spans:
        drop.update(range(start, end))
    kept = [w for i, w in enumerate(words) if i not in drop]
    return words if (keep_if_empty and not kept) else kept


class ProcedureIndex:
    """An in-memory index over procedures; build once, then search from any thread."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        lexicon: Lexicon,
        entries: list[_Entry],
        idf: dict[str, float],
    ) -> None:
        # Only what a hit shows is kept, so that the index pickles small (see `loader`).
        self._docs = [(p.code, p.title) for p in procedures]
        self._lexicon = lexicon
        self._entries = entries
        self._idf = idf
        # Word pairs weigh more than single words: "khai sinh" says more than "khai" + "sinh".
        self._tidf = {t: v * PAIR_BOOST if "_" in t else v for t, v in idf.items()}
        postings: dict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(entries):
            entry.mass = sum(self._tidf.get(t, 0.0) for t in entry.terms)
            for term in entry.terms:
                postings[term].append(i)
        self._postings = {t: tuple(v) for t, v in postings.items()}
        proc_terms: dict[int, set[str]] = defaultdict(set)
        for entry in entries:
            proc_terms[entry.proc] |= entry.terms
        self._proc_terms = {k: frozenset(v) for k, v in proc_terms.items()}
        n_docs = max(len(self._docs), 1)
        self._common = frozenset(
            t
            for t, v in postings.items()
            if len({entries[i].proc for i in v}) > max(COMMON_SHARE * n_docs, COMMON_MIN)
        )
        self._vocab = sorted(t for t in idf if "_" not in t)
        self._vocab_set = frozenset(self._vocab)
        folded: dict[str, list[str]] = defaultdict(list)
        for word in self._vocab:
            folded[loose(word)].append(word)
        self._loose = dict(folded)
        self._pairs = frozenset(t for t in idf if "_" in t)
        ordered = sorted(idf.values())
        self._unknown_weight = UNKNOWN_WEIGHT_SHARE * (
            ordered[len(ordered) // 2] if ordered else 1.0
        )
        self._synonyms = _PhraseTable(lexicon.synonyms)
        self._stop = _PhraseTable(lexicon.stopwords)

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls, procedures: Iterable[Procedure], lexicon: Lexicon | None = None
    ) -> ProcedureIndex:
        """Index `procedures` (curated and imported) with `lexicon` (synonyms, stop words)."""
        procs = list(procedures)
        lex = lexicon or Lexicon()
        stop = _PhraseTable(lex.stopwords)
        abbreviations = load_abbreviations()
        entries: list[_Entry] = []
        df: dict[str, int] = defaultdict(int)
        for i, p in enumerate(procs):
            strings: list[tuple[str, float]] = [(p.name, W_NAME)]
            head = name_head(p.name)
            if head != p.name:
                strings.append((head, W_HEAD))
            if p.short_name:
                strings.append((p.short_name, W_SHORT))
            strings += [(a, W_ALIAS) for a in p.aliases]
            strings += [(k, W_KEYWORD) for k in p.keywords]
            if p.field:
                strings.append((p.field, W_FIELD))
            seen: set[str] = set()
            for text, weight in strings:
                words = normalize(text, abbreviations).split()
                words = _drop_stopwords(words, stop, keep_if_empty=True)
                if not words:
                    continue
                terms = frozenset(_terms(words))
                entries.append(_Entry(proc=i, weight=weight, terms=terms))
                seen |= terms
            for term in seen:
                df[term] += 1
        n = max(len(procs), 1)
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        return cls(procs, lex, entries, idf)

    def __len__(self) -> int:
        return len(self._docs)

    # -- query analysis ---------------------------------------------------------------------

    def _readings(self, word: str) -> list[tuple[str, float]]:
        """Known words `word` may stand for, each with a confidence in (0, 1]."""
        if word in self._vocab_set:
            out = [(word, 1.0)]
            # A known word may still be a dialect spelling of another ("chu" for "tru"):
            # the alternatives count less, and only where they form a known word pair.
            out += [(w, C_FOLD * 0.5) for w in self._loose.get(loose(word), ()) if w != word]
            return out
        out = [(w, C_FOLD) for w in self._loose.get(loose(word), ())]
        if out or not FUZZY_MIN_LENGTH <= len(word) <= FUZZY_MAX_LENGTH or word.isdigit():
            return out
        for match, similarity, _ in process.extract(
            word,
            self._vocab,
            scorer=OSA.normalized_similarity,
            score_cutoff=FUZZY_MIN_SIMILARITY,
            limit=3,
        ):
            out.append((match, C_FUZZY * similarity))
        return out

    def _split_glued(self, word: str) -> list[str] | None:
        if not 5 <= len(word) <= 2 * FUZZY_MAX_LENGTH or word in self._vocab_set:
            return None  # two glued words are never longer than two of the longest
        for cut in range(2, len(word) - 1):
            if f"{word[:cut]}_{word[cut:]}" in self._pairs:
                return [word[:cut], word[cut:]]
        return None

    def _weigh(self, words: Sequence[tuple[str, float]]) -> tuple[dict[str, float], float]:
        """Term weights for a word sequence, and the weight a perfect match would cover."""
        weights: dict[str, float] = {}
        total = 0.0
        readings = [[(w, c * conf) for w, c in self._readings(word)] for word, conf in words]
        for options in readings:
            plain = [(w, c) for w, c in options if c >= C_FOLD]
            if options:
                total += max(self._idf.get(w, 0.0) * c for w, c in (plain or options))
                for w, c in plain:
                    weights[w] = max(weights.get(w, 0.0), self._idf.get(w, 0.0) * c)
            else:
                total += self._unknown_weight
        for left, right in itertools.pairwise(readings):
            best = 0.0
            for lw, lc in left:
                for rw, rc in right:
                    pair = f"{lw}_{rw}"
                    if pair in self._pairs:
                        value = self._tidf[pair] * min(lc, rc)
                        weights[pair] = max(weights.get(pair, 0.0), value)
                        best = max(best, value)
                        # The dialect reading is confirmed by the pair: keep its words too.
                        for w, c in ((lw, lc), (rw, rc)):
                            weights[w] = max(weights.get(w, 0.0), self._idf.get(w, 0.0) * c)
            total += best
        return weights, total

    def _analyse(self, query: str) -> _Query:
        words = normalize(query).split()
        expansions: list[tuple[list[str], list[str]]] = []
        for start, end, phrase in self._synonyms.spans(words):
            for target in self._lexicon.synonyms[phrase]:
                expansions.append((words[start:end], target.split()))
        words = _drop_stopwords(words, self._stop, keep_if_empty=False)
        seq: list[tuple[str, float]] = []
        for word in words:
            parts = self._split_glued(word)
            seq += [(word, 1.0)] if parts is None else [(part, C_SPLIT) for part in parts]
        weights, total = self._weigh(seq)
        for typed, official in expansions:
            # The official wording stands in for what the resident typed: scale it to carry
            # the same weight, so that matching it is worth as much as matching the phrase.
            typed_weights, typed_total = self._weigh([(w, 1.0) for w in typed])
            official_weights = {t: self._tidf[t] for t in _terms(official) if t in self._tidf}
            mass = sum(official_weights.values())
            if not mass:
                continue
            scale = C_SYNONYM * max(typed_total, sum(typed_weights.values()) / 2) / mass
            for term, value in official_weights.items():
                weights[term] = max(weights.get(term, 0.0), value * scale)
        return _Query(weights=weights, total=total)

    # -- scoring ----------------------------------------------------------------------------

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """The best `limit` procedures for `query`, best first; [] when nothing matches."""
        if limit <= 0 or not query.strip():
            return []
        q = self._analyse(query)
        if not q.weights or q.total <= 0:
            return []
        total = q.total
        # Rare terms open candidate strings; common ones ("đăng", "ký", "cấp") only add to
        # strings already opened, which keeps the work per query small on a big catalogue.
        seeds = [t for t in q.weights if t in self._postings and t not in self._common]
        if not seeds:
            seeds = [t for t in q.weights if t in self._postings]
        matched_q: dict[int, float] = defaultdict(float)
        matched_s: dict[int, float] = defaultdict(float)
        for term in seeds:
            weight = q.weights[term]
            term_idf = self._tidf[term]
            for idx in self._postings[term]:
                matched_q[idx] += weight
                matched_s[idx] += term_idf
        rest = [(t, w, self._tidf[t]) for t, w in q.weights.items() if t in self._common]
        if rest and len(seeds) < len(q.weights):
            for idx in matched_q:
                terms = self._entries[idx].terms
                for term, weight, term_idf in rest:
                    if term in terms:
                        matched_q[idx] += weight
                        matched_s[idx] += term_idf
        b2 = BETA * BETA
        best: dict[int, float] = {}
        for idx, mq in matched_q.items():
            entry = self._entries[idx]
            recall = mq / total if mq < total else 1.0
            precision = matched_s[idx] / entry.mass if entry.mass else 0.0
            if precision > 1.0:
                precision = 1.0
            if recall <= 0.0 or precision <= 0.0:
                continue
            score = entry.weight * (1 + b2) * precision * recall / (b2 * precision + recall)
            if score > best.get(entry.proc, 0.0):
                best[entry.proc] = score
        # All strings together add a little; computed for the leaders only.
        leaders = heapq.nlargest(limit * 4, best.items(), key=lambda item: item[1])
        finals: list[tuple[float, int]] = []
        indexed = [t for t in q.weights if t in self._postings]
        indexed_weights = [q.weights[t] for t in indexed]
        for proc, value in leaders:
            # The query order of the terms is kept: the same sum, bit for bit.
            union = sum(
                itertools.compress(
                    indexed_weights, map(self._proc_terms[proc].__contains__, indexed)
                )
            )
            finals.append((BEST_SHARE * value + (1 - BEST_SHARE) * min(union / total, 1.0), proc))
        finals.sort(key=lambda item: (-item[0], self._docs[item[1]][0]))
        return [
            Hit(
                code=self._docs[proc][0],
                name=self._docs[proc][1],
                score=round(min(max(final, 0.0), 1.0), 4),
            )
            for final, proc in finals[:limit]
        ]
