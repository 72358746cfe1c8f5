"""Search quality on the labelled query set: top-1 / top-3, and every miss.

    python scripts/eval_procedures.py [--dataset PATH] [--queries PATH] [--split dev|holdout]

With the national dataset present (default ../shared/datasets/tthc-commune.jsonl), its
records are imported into a temporary SQLite database and the figures are given twice:
curated content only, and curated + imported. Without it, curated content only (said so).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import get_settings
from bot.features.procedures.catalogue import load_catalogue
from bot.features.procedures.evaluation import (
    DEFAULT_DATASET,
    DEFAULT_QUERIES,
    EvalResult,
    LabelledQuery,
    catalogue_with_dataset,
    evaluate,
    load_queries,
)
from bot.features.procedures.search import Lexicon, ProcedureIndex


def _report(label: str, result: EvalResult, show_misses: bool) -> None:
    print(
        f"{label}: {result.evaluated} queries ({result.skipped} left out: code not in this "
        f"catalogue) top-1 {result.top1_rate:.3f}  top-3 {result.top3_rate:.3f}"
    )
    if not show_misses:
        return
    for miss in result.misses:
        got = ", ".join(f"{h.code} {h.name[:40]} ({h.score:.2f})" for h in miss.got) or "nothing"
        in_top3 = "top-3" if miss.expected in [h.code for h in miss.got] else "MISS "
        print(f"   {in_top3} {miss.query!r} → expected {miss.expected}; got {got}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--split", default=None, help="only queries of this split")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args(argv)

    content_dir = get_settings().content_dir
    queries: list[LabelledQuery] = load_queries(args.queries)
    if args.split:
        queries = [q for q in queries if q.split == args.split]
    splits = sorted({q.split for q in queries})
    lexicon = Lexicon.load(content_dir)

    curated = load_catalogue(content_dir, None)
    index = ProcedureIndex.build(curated.values(), lexicon)
    print(f"query set: {args.queries} ({len(queries)} queries; splits {', '.join(splits)})")
    _report(
        f"curated only ({len(curated)} procedures)",
        evaluate(index, curated, queries),
        not args.quiet,
    )

    if not args.dataset.is_file():
        print(f"dataset {args.dataset} not found: curated content only")
        return 0
    with catalogue_with_dataset(content_dir, args.dataset) as (catalogue, report):
        assert report is not None
        print(
            f"imported {report.accepted} of {report.records} records from {args.dataset.name} "
            f"({len(report.rejected)} rejected, {report.usable_channels} with a usable "
            "channel/fee/time structure)"
        )
        full = ProcedureIndex.build(catalogue.values(), lexicon)
        label = f"curated + imported ({len(catalogue)} procedures)"
        _report(label, evaluate(full, catalogue, queries), not args.quiet)
        for split in splits:
            part = [q for q in queries if q.split == split]
            _report(f"  split {split}", evaluate(full, catalogue, part), False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
