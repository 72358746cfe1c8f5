"""Benchmark: how long the intent router takes per message.

`run()` loads the router once (timed), routes every utterance of the labelled set once with
empty caches ("cold": typo repairs computed for the first time), then in several warm rounds,
timing each call with `time.perf_counter_ns`. Target: p95 < 1 ms per message.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from bot.nlu.evaluation import load_labelled
from bot.nlu.intents import IntentRouter

ROOT = Path(__file__).resolve().parent.parent
UTTERANCES = ROOT / "tests" / "nlu" / "data" / "utterances.jsonl"
WARM_ROUNDS = 7
PASSES_PER_ROUND = 3


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] / 1e6, 4),
        "p95_ms": round(cuts[94] / 1e6, 4),
        "p99_ms": round(cuts[98] / 1e6, 4),
        "max_ms": round(ordered[-1] / 1e6, 4),
    }


def _timed(router: IntentRouter, texts: list[str], passes: int) -> list[int]:
    samples: list[int] = []
    for _ in range(passes):
        for text in texts:
            started = time.perf_counter_ns()
            router.route(text)
            samples.append(time.perf_counter_ns() - started)
    return samples


def run() -> dict[str, Any]:
    """Routing latency over the labelled set, in milliseconds.

    The warm figures are medians over several rounds, so that one round slowed down by other
    work on the machine does not decide the result; `warm_rounds` lists every round.
    """
    texts = [row.text for row in load_labelled(UTTERANCES)]
    started = time.perf_counter_ns()
    router = IntentRouter.load()
    load_ms = (time.perf_counter_ns() - started) / 1e6
    cold = _percentiles(_timed(router, texts, 1))
    rounds = [_percentiles(_timed(router, texts, PASSES_PER_ROUND)) for _ in range(WARM_ROUNDS)]
    return {
        "name": "nlu.route",
        "utterances": len(texts),
        "load_ms": round(load_ms, 2),
        "cold": cold,
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p95_ms": statistics.median(r["p95_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "warm_rounds": rounds,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
