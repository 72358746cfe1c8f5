"""`bot scam eval`: recall (with and without links), precision and FPR of the checker.

Sets measured, each skipped cleanly when its file is absent:

* the team's own labelled examples (``bot/content/scam/examples.yaml``): the same examples
  teach the model, so this figure shows the rules and the model agree with the team;
* ``scam-dev-realistic.tsv`` (columns ``text``, ``label`` 1/0, ``kind``): realistic scams and
  look-alike genuine messages, written independently of the team;
* ``scam-sms-dev.csv`` (columns ``text``, ``label`` scam/legit): real SMS.

The shared datasets only measure: nothing here trains on them, and message texts are never
printed (misses are listed by row number, kind and signal codes).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.features.scam.content import ScamContent
from bot.features.scam.links import scan_links

POSITIVE = frozenset({"1", "scam", "spam", "true", "yes"})
NEGATIVE = frozenset({"0", "legit", "ham", "false", "no"})


@dataclass(frozen=True)
class Row:
    """One labelled message of an evaluation set."""

    text: str
    scam: bool
    kind: str = ""


@dataclass(frozen=True)
class Scores:
    """Counts and rates of one set; `miss_rows` are indices for the operator."""

    name: str
    tp: int
    fp: int
    fn: int
    tn: int
    recall_link: tuple[int, int]
    recall_plain: tuple[int, int]
    misses: tuple[str, ...] = ()

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def lines(self) -> list[str]:
        def rate(pair: tuple[int, int]) -> str:
            hit, total = pair
            return f"{hit}/{total} ({hit / total:.1%})" if total else "-"

        return [
            f"{self.name}: {self.tp + self.fn} scam, {self.fp + self.tn} legit",
            f"  recall {self.recall:.1%}  with links {rate(self.recall_link)}"
            f"  without links {rate(self.recall_plain)}",
            f"  precision {self.precision:.1%}  FPR {self.fpr:.1%} ({self.fp}/{self.fp + self.tn})",
        ]


def has_link(text: str) -> bool:
    """A message has a link when the link finder sees a URL or a domain name in it."""
    found, _ = scan_links(text)
    return bool(found)


def score(name: str, rows: Sequence[Row], predict: Callable[[str], tuple[bool, str]]) -> Scores:
    """Run `predict` (→ is_scam, signal codes) over `rows` and count."""
    tp = fp = fn = tn = 0
    link = [0, 0]
    plain = [0, 0]
    misses: list[str] = []
    for number, row in enumerate(rows, start=1):
        flagged, codes = predict(row.text)
        if row.scam:
            bucket = link if has_link(row.text) else plain
            bucket[1] += 1
            bucket[0] += flagged
            tp += flagged
            fn += not flagged
        else:
            fp += flagged
            tn += not flagged
        if flagged != row.scam:
            label = "FN" if row.scam else "FP"
            misses.append(f"{label} row {number} {row.kind or '-'}: {codes or '-'}")
    return Scores(name, tp, fp, fn, tn, (link[0], link[1]), (plain[0], plain[1]), tuple(misses))


def _label(value: str) -> bool | None:
    value = value.strip().lower()
    if value in POSITIVE:
        return True
    if value in NEGATIVE:
        return False
    return None


def read_rows(path: Path) -> list[Row]:
    """Rows of a TSV (``.tsv``) or CSV file with columns text, label and optionally kind."""
    delimiter = "\t" if path.suffix == ".tsv" else ","
    rows: list[Row] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.DictReader(handle, delimiter=delimiter):
            label = _label(record.get("label") or "")
            if label is None:
                continue
            kind = record.get("kind") or record.get("sender_type") or ""
            rows.append(Row(record.get("text") or "", label, kind))
    return rows


def dataset_sets(folder: Path) -> Iterable[tuple[str, Path]]:
    """The shared evaluation files, in a fixed order."""
    for name in ("scam-dev-realistic.tsv", "scam-sms-dev.csv"):
        yield name, folder / name


def team_rows(content: ScamContent) -> list[Row]:
    """The team's own labelled examples (`examples.yaml`)."""
    examples = content.examples
    return [Row(t, True, "team") for t in examples.scam] + [
        Row(t, False, "team") for t in examples.legit
    ]
