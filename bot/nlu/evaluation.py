"""Measure the router on a labelled file: accuracy, per-intent precision/recall, confusions.

A labelled file has one JSON object a line: ``{"text": "...", "intent": "..."}``, or is a
tab-separated file with a header and the columns `text`, `intent` and optionally
`procedure` (the national code the message needs). Used by `bot nlu eval` (`make eval`),
`scripts/eval_intents.py`, the accuracy tests and the benchmark.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.nlu.intents import IntentRouter, ProcedureLookup, Route
from bot.nlu.names import INTENTS

CONFIDENCE_BUCKETS = (0.0, 0.35, 0.5, 0.65, 0.8, 1.01)


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    intent: str
    line: int
    procedure: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    example: Labelled
    route: Route

    @property
    def correct(self) -> bool:
        return self.route.intent == self.example.intent


@dataclass(frozen=True)
class IntentStats:
    intent: str
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Report:
    outcomes: list[Outcome]
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def intents(self) -> list[str]:
        present = {o.example.intent for o in self.outcomes} | {
            o.route.intent for o in self.outcomes
        }
        return [name for name in INTENTS if name in present]

    def stats(self) -> list[IntentStats]:
        out = []
        for name in self.intents():
            support = sum(1 for o in self.outcomes if o.example.intent == name)
            predicted = sum(1 for o in self.outcomes if o.route.intent == name)
            correct = self.confusion[(name, name)]
            out.append(IntentStats(name, support, predicted, correct))
        return out

    def calibration(self) -> list[tuple[float, float, int, float]]:
        """(low, high, count, accuracy) per confidence bucket."""
        rows = []
        for low, high in pairwise(CONFIDENCE_BUCKETS):
            inside = [o for o in self.outcomes if low <= o.route.confidence < high]
            if inside:
                accuracy = sum(o.correct for o in inside) / len(inside)
                rows.append((low, min(high, 1.0), len(inside), accuracy))
        return rows


def load_labelled(path: Path) -> list[Labelled]:
    """Read a labelled JSONL file; raises ValueError naming the first bad line."""
    rows: list[Labelled] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if not isinstance(obj, dict) or set(obj) != {"text", "intent"}:
            msg = f"{path}:{number}: expected exactly {{'text', 'intent'}}"
            raise ValueError(msg)
        if obj["intent"] not in INTENTS:
            msg = f"{path}:{number}: unknown intent {obj['intent']!r}"
            raise ValueError(msg)
        rows.append(Labelled(str(obj["text"]), str(obj["intent"]), number))
    return rows


def load_tsv(path: Path) -> list[Labelled]:
    """Read a tab-separated labelled file (`text`, `intent`, optional `procedure`)."""
    rows: list[Labelled] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(reader, start=2):
            intent = (row.get("intent") or "").strip()
            if intent not in INTENTS:
                msg = f"{path}:{number}: unknown intent {intent!r}"
                raise ValueError(msg)
            code = (row.get("procedure") or "").strip() or None
            rows.append(Labelled(str(row.get("text") or ""), intent, number, code))
    return rows


def load_any(path: Path) -> list[Labelled]:
    """`load_tsv` for .tsv files, `load_labelled` for JSON lines."""
    return load_tsv(path) if path.suffix == ".tsv" else load_labelled(path)


def evaluate(
    router: IntentRouter, examples: Iterable[Labelled], lookup: ProcedureLookup | None = None
) -> Report:
    outcomes = [Outcome(example, router.route(example.text, lookup)) for example in examples]
    confusion: Counter[tuple[str, str]] = Counter(
        (o.example.intent, o.route.intent) for o in outcomes
    )
    return Report(outcomes, confusion)


def _short(name: str) -> str:
    return name[:6]


def format_report(report: Report, *, show_misses: bool = True) -> str:
    """Accuracy, per-intent table, confusion table (rows = truth), calibration, misses."""
    lines: list[str] = []
    total = len(report.outcomes)
    right = total - len(report.misses)
    lines.append(f"accuracy: {report.accuracy:.3f} ({right}/{total})")
    lines.append("")
    lines.append(f"{'intent':<15} {'support':>7} {'precision':>9} {'recall':>7} {'f1':>6}")
    for s in report.stats():
        lines.append(
            f"{s.intent:<15} {s.support:>7} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f}"
        )
    names: Sequence[str] = report.intents()
    lines.append("")
    lines.append("confusion (rows: labelled, columns: predicted)")
    lines.append(" " * 15 + "".join(f"{_short(n):>7}" for n in names))
    for truth in names:
        cells = "".join(f"{report.confusion[(truth, guess)] or '.':>7}" for guess in names)
        lines.append(f"{truth:<15}{cells}")
    lines.append("")
    lines.append("confidence    count  accuracy")
    for low, high, count, accuracy in report.calibration():
        lines.append(f"{low:.2f}-{high:.2f}  {count:>6}  {accuracy:>8.3f}")
    if show_misses and report.misses:
        lines.append("")
        lines.append(f"misses ({len(report.misses)})")
        for o in report.misses:
            scores = ", ".join(f"{i}={s:g}" for i, s in o.route.scores[:3])
            lines.append(
                f"  line {o.example.line}: {o.example.text!r}\n"
                f"    labelled {o.example.intent}, got {o.route.intent} "
                f"({o.route.confidence:.2f}) matched={list(o.route.matched)} scores: {scores}"
            )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ProcedureScore:
    """How often the procedure a message needs is the one chat opens (top-1), or among the
    search's first three (top-3)."""

    total: int
    top1: int
    top3: int
    committed: int = 0

    def line(self) -> str:
        if not self.total:
            return "procedure: no labelled procedure codes"
        n = self.total
        return (
            f"procedure top-1 {self.top1 / n:.3f} ({self.top1}/{n})  "
            f"top-3 {self.top3 / n:.3f} ({self.top3}/{n})  "
            f"route.procedure right {self.committed / n:.3f} ({self.committed}/{n})"
        )


def procedure_score(
    report: Report, rank: Callable[[str], Sequence[str]] | None = None
) -> ProcedureScore:
    """`committed`: `route.procedure` (the code chat opens directly) is right; top-1 /
    top-3: the code is the first / among the first three of `rank` (the procedure search,
    over the text as routing read it), or the committed code."""
    total = top1 = top3 = committed = 0
    for outcome in report.outcomes:
        code = outcome.example.procedure
        if code is None:
            continue
        total += 1
        sure = outcome.route.procedure == code
        ranked = list(rank(outcome.route.cleaned or outcome.example.text)[:3]) if rank else []
        committed += sure
        top1 += sure or ranked[:1] == [code]
        top3 += sure or code in ranked
    return ProcedureScore(total, top1, top3, committed)
