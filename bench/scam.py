"""Benchmark: per-message latency of the default scam checker (rules, lexicons, allowlists).

``run()`` checks a mix of messages: the test examples the team wrote, plus the real SMS
of ``../shared/datasets/scam-sms-dev.csv`` when that file is present. It reports p50/p95/
p99 in milliseconds, measured with ``time.perf_counter_ns`` after one warm-up pass.
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path

from bot.config import PACKAGE_DIR
from bot.features.scam.analyzer import ScamAnalyzer

ROOT = Path(__file__).resolve().parent.parent
DEV_CSV = ROOT.parent / "shared" / "datasets" / "scam-sms-dev.csv"
EXAMPLES = ROOT / "tests" / "scam" / "data" / "examples.csv"


def _messages() -> list[str]:
    texts: list[str] = []
    for path in (EXAMPLES, DEV_CSV):
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                texts.extend(row["text"] for row in csv.DictReader(handle) if row.get("text"))
    return texts


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run() -> dict[str, float | int | str]:
    analyzer = ScamAnalyzer.load(PACKAGE_DIR / "content")
    texts = _messages()
    for text in texts:  # warm-up: regex and suffix-list caches
        analyzer.check(text)
    timings: list[float] = []
    for text in texts:
        started = time.perf_counter_ns()
        analyzer.check(text)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    return {
        "name": "scam_check_latency",
        "messages": len(texts),
        "dev_csv": DEV_CSV.exists(),
        "p50_ms": round(_percentile(timings, 0.50), 3),
        "p95_ms": round(_percentile(timings, 0.95), 3),
        "p99_ms": round(_percentile(timings, 0.99), 3),
        "mean_ms": round(statistics.fmean(timings), 3) if timings else 0.0,
        "target_p95_ms": 2.0,
    }


if __name__ == "__main__":
    print(run())
