"""A learned ranker: which curated procedure a resident's question needs, from lay wording.

The lexical search (`search.ProcedureIndex`) matches the words of procedure names; residents
often name none of them ("bà nội mới mất thì làm giấy gì", "con trai cưới vợ muốn ra ở
riêng"). The ranker learns each curated procedure from what the team wrote about it: its
name, short name, aliases, keywords and above all its `examples` (questions as residents ask
them), each also taught without diacritics, abbreviated, with a typo and behind a greeting
(`bot.nlu.model.variants`). The model is the intent model's kind: TF-IDF character and word
n-grams into a logistic regression, one class per procedure code.

`ProcedureService.search` blends the ranker's probability with the lexical score, so that a
question reaches the right card whether it names the procedure or only describes the need.
A trained ranker is cached by a hash of its training texts, in memory and in `cache_dir`;
nothing built is committed.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.features.procedures.model import Procedure
from bot.features.procedures.search import name_head
from bot.nlu.model import FastLinear, load_pipeline, store_pipeline, variants
from bot.text.normalize import normalize

RANKER_VERSION = "3"
DEFAULT_CACHE_DIR = Path("data") / "cache" / "procedures"
_SEED = 93
_lock = threading.Lock()
_loaded: dict[str, ProcedureRanker] = {}
# "bé 4 tuổi", "ông 80 tuoi", "tròn 14": an age decides between procedures (a card for a
# child under 14 or from 14, the social pension from 75), and digits teach nothing alone.
_AGE = re.compile(r"\b(\d{1,3}) ?(?:tuoi|t)\b|\b(?:tron|du) (\d{1,2})\b")
_AGE_BANDS = ((6, "tuoiduoi6"), (14, "tuoiduoi14"), (18, "tuoiduoi18"), (60, "tuoilon"))


def _age_words(prepared: str) -> list[str]:
    out: list[str] = []
    for match in _AGE.finditer(prepared):
        age = int(match.group(1) or match.group(2))
        band = next((name for limit, name in _AGE_BANDS if age < limit), "tuoigia")
        out.append(band)
    return out


def prepare(text: str) -> str:
    """What the ranker reads: the normalised text, and a word for each age band named."""
    prepared = normalize(text)
    ages = _age_words(prepared)
    return f"{prepared} {' '.join(ages)}" if ages else prepared


def teaching_texts(procedure: Procedure) -> list[str]:
    """What the ranker learns a procedure from: its names, aliases, keywords, examples."""
    texts = [procedure.name, name_head(procedure.name)]
    if procedure.short_name:
        texts.append(procedure.short_name)
    texts += procedure.aliases + procedure.keywords + procedure.examples
    return list(dict.fromkeys(t for t in texts if t.strip()))


def _pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=20.0, max_iter=3000)
    return Pipeline([("features", features), ("classifier", classifier)])


class ProcedureRanker:
    """Probabilities over the curated procedure codes for one question."""

    def __init__(self, pipeline: Pipeline, digest: str) -> None:
        self.pipeline = pipeline
        self.digest = digest
        self._fast = FastLinear(pipeline)
        self.codes = self._fast.labels

    @classmethod
    def train(cls, procedures: Iterable[Procedure], digest: str = "") -> ProcedureRanker:
        rng = random.Random(_SEED)
        texts: list[str] = []
        codes: list[str] = []
        for procedure in procedures:
            for text in teaching_texts(procedure):
                for variant in variants(text, rng):
                    texts.append(prepare(variant))
                    codes.append(procedure.code)
        pipeline = _pipeline()
        pipeline.fit(texts, codes)
        return cls(pipeline, digest)

    def rank(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """The `limit` likeliest codes for `text` (as typed or cleaned), best first."""
        prepared = prepare(text)
        if not prepared:
            return []
        probabilities = self._fast.probabilities(prepared)
        order = probabilities.argsort()[::-1][:limit]
        return [(self.codes[i], float(probabilities[i])) for i in order]


def digest_of(procedures: Sequence[Procedure]) -> str:
    """The hash that names a trained ranker: its training texts and the code's version."""
    digest = hashlib.sha256(f"{RANKER_VERSION}|{sklearn.__version__}".encode())
    for procedure in sorted(procedures, key=lambda p: p.code):
        digest.update(procedure.code.encode())
        for text in teaching_texts(procedure):
            digest.update(b"\x00" + text.encode())
    return digest.hexdigest()[:24]


def ranker_for(
    procedures: Iterable[Procedure], cache_dir: Path | None = DEFAULT_CACHE_DIR
) -> ProcedureRanker | None:
    """The ranker for the curated procedures that have examples; None when fewer than two
    have any (nothing to tell apart)."""
    # Sorted: training draws its variants from a seeded generator, so the same procedures in
    # another order (imported ones in the database change it) would give another model
    # under the same digest.
    taught = sorted(
        (p for p in procedures if p.origin == "curated" and p.examples), key=lambda p: p.code
    )
    if len(taught) < 2:
        return None
    digest = digest_of(taught)
    with _lock:
        ranker = _loaded.get(digest) or _read_cache(cache_dir, digest)
        if ranker is None:
            ranker = ProcedureRanker.train(taught, digest)
            _write_cache(cache_dir, ranker)
        _loaded[digest] = ranker
        return ranker


def _cache_file(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"procedure-ranker-{digest}.joblib"


def _read_cache(cache_dir: Path | None, digest: str) -> ProcedureRanker | None:
    if cache_dir is None:
        return None
    pipeline = load_pipeline(_cache_file(cache_dir, digest), digest)
    return None if pipeline is None else ProcedureRanker(pipeline, digest)


def _write_cache(cache_dir: Path | None, ranker: ProcedureRanker) -> None:
    if cache_dir is not None:
        store_pipeline(_cache_file(cache_dir, ranker.digest), ranker.pipeline, ranker.digest)
