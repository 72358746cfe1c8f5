"""An optional statistical model: scikit-learn, trained from the team's own examples.

Character 2–5-grams (within words) and word 1–2-grams of the folded text (no diacritics,
lower case), TF-IDF weighted with sub-linear counts, into a class-balanced logistic
regression. It is trained from `bot/content/scam/examples.yaml` (`ScamModel.from_content`),
cached under a name made of the hash of those examples and of this module's version, so it
is rebuilt automatically when the examples change and nothing that cannot be rebuilt is
committed. An operator may also train one from a labelled CSV (`bot scam train CSV`).
The rules stay the default; the analyzer adds the model's probability as one more,
explained, signal. The shared evaluation datasets are never used to train.
"""

from __future__ import annotations

import csv
import hashlib
import json
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.features.scam.content import Examples
from bot.features.scam.text import fast_words

MODEL_VERSION = 2
POSITIVE_LABELS = frozenset({"scam", "1", "spam", "smishing", "lua_dao", "true", "yes"})
NEGATIVE_LABELS = frozenset({"legit", "0", "ham", "normal", "false", "no"})
MAX_CHARS = 2000
DEFAULT_THRESHOLD = 0.7
REGULARISATION = 4.0


def fold_text(text: str) -> str:
    """The model's view of a message: folded words joined by spaces (picklable, top level)."""
    return " ".join(fast_words(text[:MAX_CHARS]))


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    preprocessor=fold_text,
                    min_df=1,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    preprocessor=fold_text,
                    token_pattern=r"\S+",
                ),
            ),
        ]
    )
    classifier = LogisticRegression(
        C=REGULARISATION, class_weight="balanced", max_iter=2000, solver="liblinear"
    )
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass
class ScamModel:
    """A fitted scikit-learn pipeline and the probability from which it adds a signal."""

    pipeline: Any
    # Below this probability the model adds no signal.
    threshold: float = DEFAULT_THRESHOLD

    def probability(self, text: str) -> float:
        """Probability that `text` is a scam, by the model alone."""
        return float(self.pipeline.predict_proba([text])[0][1])

    # -- persistence -------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model (a pickle: load only files you built yourself)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": MODEL_VERSION, "threshold": self.threshold, "pipeline": self.pipeline}
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_bytes(pickle.dumps(payload))
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> ScamModel:
        payload = pickle.loads(path.read_bytes())  # noqa: S301 (a file this program wrote)
        if not isinstance(payload, dict) or payload.get("version") != MODEL_VERSION:
            msg = f"{path}: not a scam model of version {MODEL_VERSION}; train it again"
            raise ValueError(msg)
        return cls(pipeline=payload["pipeline"], threshold=float(payload["threshold"]))

    # -- training ------------------------------------------------------------------------
    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[bool], *, threshold: float = DEFAULT_THRESHOLD
    ) -> ScamModel:
        """Fit the pipeline; the classes are balanced by weight."""
        if len(texts) != len(labels) or not texts:
            msg = "need as many labels as texts, and at least one of each"
            raise ValueError(msg)
        positives = sum(labels)
        if positives == 0 or positives == len(labels):
            msg = "the training data needs both scam and legit examples"
            raise ValueError(msg)
        pipeline = _pipeline()
        pipeline.fit(list(texts), [1 if label else 0 for label in labels])
        return cls(pipeline=pipeline, threshold=threshold)

    @classmethod
    def from_content(cls, examples: Examples, cache_dir: Path) -> ScamModel:
        """The model of the team's examples: loaded from the cache, or trained and cached."""
        path = cache_dir / f"scam-model-{examples_hash(examples)}.pkl"
        if path.exists():
            try:
                return cls.load(path)
            except (ValueError, pickle.UnpicklingError, EOFError, AttributeError):
                pass  # an unreadable cache is rebuilt
        texts = [*examples.scam, *examples.legit]
        labels = [True] * len(examples.scam) + [False] * len(examples.legit)
        model = cls.train(texts, labels)
        model.save(path)
        return model


def examples_hash(examples: Examples) -> str:
    """A short hash of the examples, the model version and the library version."""
    import sklearn

    payload = json.dumps(
        [MODEL_VERSION, sklearn.__version__, examples.scam, examples.legit], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def read_labelled_csv(path: Path) -> tuple[list[str], list[bool]]:
    """Texts and labels from a CSV with columns ``text`` and ``label`` (scam/legit or 1/0)."""
    texts: list[str] = []
    labels: list[bool] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            label = (row.get("label") or "").strip().lower()
            text = row.get("text") or row.get("content") or ""
            if label in POSITIVE_LABELS:
                labels.append(True)
            elif label in NEGATIVE_LABELS:
                labels.append(False)
            else:
                continue
            texts.append(text)
    return texts, labels


def split_holdout(
    items: Iterable[tuple[str, bool]], every: int = 4
) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """A deterministic stratified split: every `every`-th example of each class is held out."""
    train: list[tuple[str, bool]] = []
    held: list[tuple[str, bool]] = []
    counts = {True: 0, False: 0}
    for text, label in items:
        counts[label] += 1
        (held if counts[label] % every == 0 else train).append((text, label))
    return train, held
