"""An optional small statistical model, trained by an operator from a labelled CSV.

Plain logistic regression over folded word unigrams and bigrams and character
4-grams, trained with full-batch gradient descent and L2 regularisation: a few
seconds on a few thousand SMS, no dependency beyond the standard library, and a
JSON model file an operator can inspect. The rules stay the default; the analyzer
adds the model's probability as one more, explained, signal.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.text.normalize import words

MODEL_VERSION = 1
POSITIVE_LABELS = frozenset({"scam", "1", "spam", "smishing", "lua_dao", "true", "yes"})
NEGATIVE_LABELS = frozenset({"legit", "0", "ham", "normal", "false", "no"})
CHAR_N = 4
MAX_CHARS = 2000


def features(text: str) -> Counter[str]:
    """Sparse features of one message: word 1–2-grams and character 4-grams, folded."""
    tokens = words(text[:MAX_CHARS])
    feats: Counter[str] = Counter()
    for i, token in enumerate(tokens):
        feats["w:" + token] += 1
        if i:
            feats["b:" + tokens[i - 1] + "_" + token] += 1
    joined = " " + " ".join(tokens) + " "
    for i in range(len(joined) - CHAR_N + 1):
        feats["c:" + joined[i : i + CHAR_N]] += 1
    # Log-scaled counts keep long messages from dominating.
    return Counter({k: 1.0 + math.log(v) for k, v in feats.items()})


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass
class ScamModel:
    """A trained model: a bias, feature weights and the decision threshold."""

    bias: float
    weights: dict[str, float]
    # Below this probability the model adds no signal (chosen on a held-out split).
    threshold: float = 0.7

    def probability(self, text: str) -> float:
        """Probability that `text` is a scam, by the model alone."""
        z = self.bias
        for name, value in features(text).items():
            weight = self.weights.get(name)
            if weight is not None:
                z += weight * value
        return _sigmoid(z)

    # -- persistence -------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": MODEL_VERSION,
            "bias": self.bias,
            "threshold": self.threshold,
            "weights": dict(sorted(self.weights.items())),
        }
        path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> ScamModel:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("version") != MODEL_VERSION:
            msg = f"{path}: unsupported scam model version {payload.get('version')!r}"
            raise ValueError(msg)
        return cls(
            bias=float(payload["bias"]),
            weights={str(k): float(v) for k, v in payload["weights"].items()},
            threshold=float(payload.get("threshold", 0.7)),
        )

    # -- training ------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[bool],
        *,
        epochs: int = 60,
        learning_rate: float = 0.5,
        l2: float = 1e-4,
        min_count: int = 2,
    ) -> ScamModel:
        """Fit logistic regression; positives are re-weighted to balance the classes."""
        if len(texts) != len(labels) or not texts:
            msg = "need as many labels as texts, and at least one of each"
            raise ValueError(msg)
        positives = sum(labels)
        if positives == 0 or positives == len(labels):
            msg = "the training data needs both scam and legit examples"
            raise ValueError(msg)
        rows = [features(t) for t in texts]
        seen: Counter[str] = Counter()
        for row in rows:
            seen.update(row.keys())
        vocab = {name for name, count in seen.items() if count >= min_count}
        rows = [Counter({k: v for k, v in row.items() if k in vocab}) for row in rows]
        pos_weight = (len(labels) - positives) / positives
        weights: dict[str, float] = dict.fromkeys(vocab, 0.0)
        bias = 0.0
        n = len(rows)
        for _ in range(epochs):
            grad: dict[str, float] = {}
            grad_bias = 0.0
            for row, label in zip(rows, labels, strict=True):
                z = bias + sum(weights[k] * v for k, v in row.items())
                error = _sigmoid(z) - (1.0 if label else 0.0)
                if label:
                    error *= pos_weight
                grad_bias += error
                for k, v in row.items():
                    grad[k] = grad.get(k, 0.0) + error * v
            bias -= learning_rate * grad_bias / n
            for k, g in grad.items():
                weights[k] -= learning_rate * (g / n + l2 * weights[k])
        kept = {k: round(w, 5) for k, w in weights.items() if abs(w) >= 1e-3}
        return cls(bias=round(bias, 5), weights=kept)


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
