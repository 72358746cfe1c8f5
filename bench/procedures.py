"""Procedure search latency over the labelled query set, against the full catalogue.

`run()` imports the national dataset into a temporary SQLite database when the file is
there (curated content only otherwise), builds the index once, and times every query
five times with `time.perf_counter_ns`; a query's latency is the median of its runs
(p50/p95 are over queries). `raw_p95_ms` is over every run, machine noise included.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.config import get_settings
from bot.features.procedures.evaluation import (
    DEFAULT_DATASET,
    DEFAULT_QUERIES,
    catalogue_with_dataset,
    latencies_ms,
    load_queries,
    percentile,
    raw_latencies_ms,
)
from bot.features.procedures.search import Lexicon, ProcedureIndex


def run(dataset: Path = DEFAULT_DATASET, queries_path: Path = DEFAULT_QUERIES) -> dict[str, Any]:
    content_dir = get_settings().content_dir
    queries = [q.query for q in load_queries(queries_path)]
    with catalogue_with_dataset(content_dir, dataset) as (catalogue, report):
        start = time.perf_counter_ns()
        index = ProcedureIndex.build(catalogue.values(), Lexicon.load(content_dir))
        build_ms = (time.perf_counter_ns() - start) / 1e6
        times = latencies_ms(index, queries, rounds=5)
        raw = raw_latencies_ms(index, queries, rounds=3)
    return {
        "name": "procedures.search",
        "catalogue": len(catalogue),
        "imported": report.accepted if report else 0,
        "queries": len(queries),
        "index_build_ms": round(build_ms, 1),
        "p50_ms": round(percentile(times, 0.50), 3),
        "p95_ms": round(percentile(times, 0.95), 3),
        "max_ms": round(max(times), 3),
        # Every single run, pauses of a busy machine included.
        "raw_p95_ms": round(percentile(raw, 0.95), 3),
    }


if __name__ == "__main__":
    print(run())
