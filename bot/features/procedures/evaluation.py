"""Measure search quality and speed on a labelled query set (used by the eval script, tests, bench).

A query set is JSON lines ``{"query": "...", "code": "1.001193"}`` (optionally ``"split"``).
Queries whose code is not in the catalogue being measured are left out and counted, so that
"curated only" figures are not penalised for procedures only the import provides.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.features.procedures.catalogue import Catalogue, load_catalogue
from bot.features.procedures.importer import ImportReport, import_file
from bot.features.procedures.search import Hit, ProcedureIndex
from db.migrate import upgrade
from db.session import make_engine

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_QUERIES = REPO_ROOT / "tests" / "procedures" / "data" / "queries.jsonl"
DEFAULT_DATASET = REPO_ROOT.parent / "shared" / "datasets" / "tthc-commune.jsonl"


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    code: str
    split: str = "dev"


@dataclass(frozen=True)
class Miss:
    query: str
    expected: str
    got: tuple[Hit, ...]


@dataclass
class EvalResult:
    evaluated: int = 0
    skipped: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.evaluated if self.evaluated else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.evaluated if self.evaluated else 0.0


def load_queries(path: Path = DEFAULT_QUERIES) -> list[LabelledQuery]:
    out: list[LabelledQuery] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if not isinstance(obj, dict) or not isinstance(obj.get("query"), str):
            msg = f"{path.name} line {lineno}: expected {{'query': ..., 'code': ...}}"
            raise ValueError(msg)
        out.append(LabelledQuery(obj["query"], str(obj["code"]), str(obj.get("split", "dev"))))
    return out


def evaluate(
    index: ProcedureIndex, catalogue: Catalogue, queries: Sequence[LabelledQuery]
) -> EvalResult:
    """Top-1 and top-3 accuracy of `index` on the queries whose code `catalogue` has."""
    result = EvalResult()
    for item in queries:
        if catalogue.get(item.code) is None:
            result.skipped += 1
            continue
        hits = index.search(item.query, limit=5)
        codes = [h.code for h in hits]
        result.evaluated += 1
        result.top1 += codes[:1] == [item.code]
        if item.code in codes[:3]:
            result.top3 += 1
        if codes[:1] != [item.code]:
            result.misses.append(Miss(item.query, item.code, tuple(hits[:3])))
    return result


def latencies_ms(index: ProcedureIndex, queries: Sequence[str], rounds: int = 5) -> list[float]:
    """Per-query search time in milliseconds: the median of `rounds` timed runs of each query.

    Taking each query's median keeps one-off pauses of a busy machine (other processes, the
    garbage collector) out of the per-query figure; `raw_latencies_ms` gives every run.
    """
    runs = raw_latencies_ms(index, queries, rounds)
    return [statistics.median(runs[i :: len(queries)]) for i in range(len(queries))]


def raw_latencies_ms(index: ProcedureIndex, queries: Sequence[str], rounds: int) -> list[float]:
    """Every run's time in milliseconds (`time.perf_counter_ns`), round after round."""
    out: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter_ns()
            index.search(query, limit=5)
            out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[rank]


@contextmanager
def catalogue_with_dataset(
    content_dir: Path, dataset: Path | None
) -> Iterator[tuple[Catalogue, ImportReport | None]]:
    """Curated content plus `dataset` imported into a throw-away SQLite database.

    Without a dataset file, the catalogue is curated content only (and the report is None).
    """
    if dataset is None or not dataset.is_file():
        yield load_catalogue(content_dir, None), None
        return
    with tempfile.TemporaryDirectory(prefix="procedures-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            report = import_file(engine, dataset)
        finally:
            engine.dispose()
        yield load_catalogue(content_dir, url), report
