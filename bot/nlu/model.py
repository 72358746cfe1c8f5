"""The learned intent model: TF-IDF character and word n-grams into a logistic regression.

It learns from the example utterances the team writes in `content/nlu/examples/*.yaml` (and
the `examples:` of `intents.yaml`). Each example is also taught as residents would type it:
without diacritics, with abbreviations, behind a greeting. Every text goes through the same
`Cleaner` and `normalize` before the model sees it, in training and in use.

The trained model is cached by a hash of everything it is built from (the example files,
`typing.yaml`, `abbreviations.yaml`, this module's `MODEL_VERSION` and the scikit-learn
version), in memory and in `cache_dir`; nothing built is committed. `bot nlu train` builds it
ahead of time; otherwise the first router that needs it does.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.nlu.names import COMMANDS, INTENTS
from bot.nlu.schema import INTENTS_FILE
from bot.text.normalize import DEFAULT_ABBREVIATIONS, fold, load_abbreviations, normalize
from bot.text.typed import DEFAULT_RULES, Cleaner, TypingRules, vocabulary_of

MODEL_VERSION = "1"
EXAMPLES_DIR = Path("nlu") / "examples"
TYPING_FILE = Path("nlu") / "typing.yaml"
DEFAULT_CACHE_DIR = Path("data") / "cache" / "nlu"
# Intents the model learns; the commands (cancel, back) are the rules' alone.
LEARNED = tuple(i for i in INTENTS if i not in set(COMMANDS.values()) - {"menu", "goodbye"})
MIN_EXAMPLES = 15
_SEED = 15
_LEADS = (
    "dạ cho em hỏi",
    "xin chào, cho tôi hỏi",
    "ad ơi",
    "chào xã ạ, em muốn hỏi",
    "cho mình hỏi chút",
    "bác hỏi cái này",
)
_SHORTEN = {
    "không": "ko",
    "được": "dc",
    "gì": "j",
    "bao nhiêu": "bn",
    "như thế nào": "ntn",
    "với": "vs",
    "đăng ký": "dk",
    "mới": "ms",
    "làm": "lm",
    "căn cước công dân": "cccd",
    "điện thoại": "dt",
    "bây giờ": "bh",
    "em": "e",
    "rồi": "r",
}
_lock = threading.Lock()
_loaded: dict[str, IntentModel] = {}


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    source: str


def _example_files(content_dir: Path) -> list[Path]:
    folder = content_dir / EXAMPLES_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_examples(content_dir: Path) -> list[Example]:
    """Every example of `content_dir/nlu/examples/*.yaml`; raises ValueError when malformed."""
    out: list[Example] = []
    for path in _example_files(content_dir):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, Mapping) or set(raw) != {"intent", "examples"}:
            msg = f"{path.name}: expected exactly the keys 'intent' and 'examples'"
            raise ValueError(msg)
        intent, texts = raw["intent"], raw["examples"]
        if intent not in LEARNED:
            msg = f"{path.name}: unknown intent {intent!r} (one of {', '.join(LEARNED)})"
            raise ValueError(msg)
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            msg = f"{path.name}: 'examples' must be a list of non-empty texts"
            raise ValueError(msg)
        out.extend(Example(t.strip(), str(intent), path.name) for t in texts)
    return out


def check_examples(content_dir: Path) -> list[str]:
    """Problems with the example files, one readable line each (for `bot content check`)."""
    try:
        TypingRules.load(typing_rules(content_dir))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return [f"nlu/typing.yaml: {exc}"]
    try:
        examples = load_examples(content_dir)
    except (ValueError, yaml.YAMLError) as exc:
        return [f"nlu/examples/{exc}"]
    if not examples:
        return []
    problems: list[str] = []
    seen: dict[str, Example] = {}
    for example in examples:
        key = normalize(example.text)
        other = seen.get(key)
        if other is not None and other.intent != example.intent:
            problems.append(
                f"nlu/examples: '{example.text}' is under {example.intent} ({example.source}) "
                f"and {other.intent} ({other.source})"
            )
        seen.setdefault(key, example)
    counts = Counter(e.intent for e in examples)
    for intent in LEARNED:
        if counts[intent] < MIN_EXAMPLES:
            problems.append(
                f"nlu/examples: intent {intent} has {counts[intent]} examples "
                f"(at least {MIN_EXAMPLES} needed)"
            )
    return problems


def content_digest(content_dir: Path) -> str:
    """The hash that names a trained model: the files it is built from, and the code."""
    digest = hashlib.sha256(f"{MODEL_VERSION}|{sklearn.__version__}".encode())
    rules = content_dir / INTENTS_FILE
    typing = typing_rules(content_dir)
    sources = (*_example_files(content_dir), rules, typing, DEFAULT_ABBREVIATIONS)
    for path in (p for p in sources if p.is_file()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def make_cleaner(examples: Iterable[Example], content_dir: Path | None = None) -> Cleaner:
    """The cleaner whose speller knows the bot's own words: the examples', the cues and
    commands of `intents.yaml`, the abbreviations'."""
    texts = [e.text for e in examples]
    texts.extend(load_abbreviations().values())
    rules = content_dir / INTENTS_FILE if content_dir is not None else None
    if rules is not None and rules.is_file():
        texts.append(rules.read_text(encoding="utf-8"))
    return Cleaner(
        TypingRules.load(typing_rules(content_dir)), load_abbreviations(), vocabulary_of(texts)
    )


def typing_rules(content_dir: Path | None) -> Path:
    """`content_dir`'s typing.yaml, else the packaged one."""
    own = content_dir / TYPING_FILE if content_dir is not None else None
    return own if own is not None and own.is_file() else DEFAULT_RULES


def prepare(cleaner: Cleaner, text: str) -> str:
    """What the model reads: the cleaned text, folded, abbreviations expanded."""
    return normalize(cleaner.clean(text).text)


def _shorten(text: str) -> str:
    out = fold(text)
    for full, short in _SHORTEN.items():
        out = f" {out} ".replace(f" {fold(full)} ", f" {short} ").strip()
    return out


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    words[i] = word[:j] + word[j + 1 :] if rng.random() < 0.5 else word[:j] + word[j] + word[j:]
    return " ".join(words)


def variants(text: str, rng: random.Random) -> list[str]:
    """The ways a resident might type one example."""
    plain = fold(text)
    return [
        text,
        plain,
        _shorten(text),
        _typo(plain, rng),
        f"{rng.choice(_LEADS)} {text if rng.random() < 0.5 else plain}",
    ]


def _pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=60000,
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
    classifier = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("classifier", classifier)])


_Vectorizer = tuple[str, dict[str, int], np.ndarray, int]
# What decides a vectorizer's tokens (not their weights): vectorizers alike in these read a
# text into the same n-grams, so the intent model and the procedure ranker share the work.
_ANALYSIS_PARAMS = (
    "input",
    "encoding",
    "decode_error",
    "strip_accents",
    "lowercase",
    "preprocessor",
    "tokenizer",
    "analyzer",
    "stop_words",
    "token_pattern",
    "ngram_range",
)
_analyzers: dict[str, Callable[[str], list[str]]] = {}


def _analysis_key(vectorizer: TfidfVectorizer) -> str:
    params = vectorizer.get_params()
    key = repr(tuple((name, params.get(name)) for name in _ANALYSIS_PARAMS))
    _analyzers.setdefault(key, vectorizer.build_analyzer())
    return key


@lru_cache(maxsize=64)
def _grams(key: str, prepared: str) -> Counter[str]:
    """How often each n-gram of `key`'s analysis occurs in `prepared` (one message is read
    by several models in one turn; never changed by the callers)."""
    return Counter(_analyzers[key](prepared))


class FastLinear:
    """`predict_proba` of a fitted TF-IDF feature union into a linear classifier, for one
    text at a time, without scikit-learn's per-call overhead (the same TF-IDF and softmax,
    computed directly: about ten times faster). Also used by the procedures' ranker."""

    def __init__(self, pipeline: Pipeline) -> None:
        parts: list[_Vectorizer] = []
        offset = 0
        for _name, vectorizer in pipeline.named_steps["features"].transformer_list:
            vocabulary = vectorizer.vocabulary_
            parts.append((_analysis_key(vectorizer), vocabulary, vectorizer.idf_, offset))
            offset += len(vocabulary)
        classifier = pipeline.named_steps["classifier"]
        self.labels: tuple[str, ...] = tuple(str(c) for c in classifier.classes_)
        self._parts = parts
        self._coef = np.asarray(classifier.coef_)
        self._intercept = np.asarray(classifier.intercept_, dtype=float)

    def probabilities(self, prepared: str) -> np.ndarray:
        """The classifier's probabilities (in `labels` order) for one prepared text."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for key, vocabulary, idf, offset in self._parts:
            grams = _grams(key, prepared)
            found = map(vocabulary.get, grams, itertools.repeat(-1))
            index = np.fromiter(found, dtype=np.int64, count=len(grams))
            known = index >= 0
            if not known.any():
                continue
            index = index[known]
            counts = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))[known]
            tf = 1.0 + np.log(counts)
            weights = tf * idf[index]
            weights /= np.linalg.norm(weights)
            columns.append(index + offset)
            values.append(weights)
        scores = self._intercept.copy()
        if columns:
            scores += self._coef[:, np.concatenate(columns)] @ np.concatenate(values)
        scores -= scores.max()
        exp = np.exp(scores)
        result: np.ndarray = exp / exp.sum()
        return result


class IntentModel:
    """A trained model and the cleaner its inputs go through."""

    def __init__(self, pipeline: Pipeline, cleaner: Cleaner, digest: str) -> None:
        self.pipeline = pipeline
        self.cleaner = cleaner
        self.digest = digest
        self.labels: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)
        self._fast: FastLinear | None = None

    @classmethod
    def train(
        cls, examples: Sequence[Example], digest: str = "", content_dir: Path | None = None
    ) -> IntentModel:
        cleaner = make_cleaner(examples, content_dir)
        rng = random.Random(_SEED)
        texts: list[str] = []
        labels: list[str] = []
        for example in examples:
            for variant in variants(example.text, rng):
                texts.append(prepare(cleaner, variant))
                labels.append(example.intent)
        pipeline = _pipeline()
        pipeline.fit(texts, labels)
        return cls(pipeline, cleaner, digest)

    def probabilities(self, prepared: str) -> np.ndarray:
        """`pipeline.predict_proba` for one text, computed directly (`FastLinear`)."""
        if self._fast is None:
            self._fast = FastLinear(self.pipeline)
        return self._fast.probabilities(prepared)

    def rank(self, prepared: str) -> list[tuple[str, float]]:
        """Every learned intent with its probability, best first, for a `prepare`d text."""
        probabilities = self.probabilities(prepared)
        ranked = sorted(zip(self.labels, probabilities, strict=True), key=lambda p: -p[1])
        return [(label, float(p)) for label, p in ranked]


def load_or_train(
    content_dir: Path, cache_dir: Path | None = DEFAULT_CACHE_DIR, *, force: bool = False
) -> IntentModel | None:
    """The model for `content_dir`'s examples: from memory, the cache, or trained now.

    None when the content has no example files (the rules then decide alone).
    """
    examples = load_examples(content_dir)
    if not examples:
        return None
    digest = content_digest(content_dir)
    with _lock:
        if not force and digest in _loaded:
            return _loaded[digest]
        model = None if force else _read_cache(cache_dir, digest, examples, content_dir)
        if model is None:
            model = IntentModel.train(examples, digest, content_dir)
            _write_cache(cache_dir, model)
        _loaded[digest] = model
        return model


def _cache_file(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"intent-model-{digest}.joblib"


def load_pipeline(path: Path, digest: str) -> Any | None:
    """A fitted pipeline cached at `path` for training texts of `digest`, or None when it is
    missing, unreadable or for other texts (it is then trained again)."""
    try:
        state = joblib.load(path)
    except (OSError, EOFError, ValueError, KeyError, AttributeError, ImportError):
        return None
    if not isinstance(state, dict) or state.get("digest") != digest:
        return None
    return state["pipeline"]


def store_pipeline(path: Path, pipeline: Any, digest: str) -> None:
    """Cache a fitted pipeline atomically; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        joblib.dump({"pipeline": pipeline, "digest": digest}, tmp)
        os.replace(tmp, path)
    except OSError:
        return


def _read_cache(
    cache_dir: Path | None, digest: str, examples: Sequence[Example], content_dir: Path
) -> IntentModel | None:
    if cache_dir is None:
        return None
    pipeline = load_pipeline(_cache_file(cache_dir, digest), digest)
    if pipeline is None:
        return None
    return IntentModel(pipeline, make_cleaner(examples, content_dir), digest)


def _write_cache(cache_dir: Path | None, model: IntentModel) -> None:
    if cache_dir is not None:
        store_pipeline(_cache_file(cache_dir, model.digest), model.pipeline, model.digest)
