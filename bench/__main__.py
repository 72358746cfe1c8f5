"""Run every benchmark, print one table, write bench/results.json.

Each module in `MODULES` has ``run() -> dict``: a flat mapping of figure name to value
(numbers or short strings); a figure whose name ends in ``_ratio`` compares with a baseline
measured in the same run. A module that cannot run here returns ``{"skipped": "reason"}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

MODULES = (
    "bench.nlu",
    "bench.procedures",
    "bench.scam",
    "bench.stats",
    "bench.core",
    "bench.broadcast",
)
RESULTS = Path(__file__).resolve().parent / "results.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", nargs="*", help="module names to run, e.g. core nlu")
    args = parser.parse_args(argv)
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print(f"Benchmarks on {machine['cores']} cores, Python {machine['python']}", flush=True)
    results: dict[str, Any] = {"machine": machine, "modules": {}}
    failed = False
    for name in MODULES:
        short = name.removeprefix("bench.")
        if args.only and short not in args.only:
            continue
        started = time.perf_counter()
        print(f"\n== {short}", flush=True)
        try:
            figures = importlib.import_module(name).run()
        except Exception:  # a broken benchmark is reported, the others still run
            traceback.print_exc()
            figures = {"error": "failed, see the traceback above"}
            failed = True
        figures["seconds"] = round(time.perf_counter() - started, 1)
        results["modules"][short] = figures
        for key, value in figures.items():
            print(f"  {key:48} {value}")
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nWrote {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
