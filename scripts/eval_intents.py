"""Evaluate the intent router on a labelled JSONL file and print the confusion table.

    python scripts/eval_intents.py [--file tests/nlu/data/utterances.jsonl] [--no-misses]
    python scripts/eval_intents.py --procedures ../shared/datasets/tthc-commune.jsonl

`--procedures` is an extra coverage check on public data that stays outside the repository:
each procedure name of the national catalogue, asked as a resident would ("thủ tục …"),
should route to `procedure`. It is skipped cleanly when the file is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bot.nlu.evaluation import evaluate, format_report, load_labelled
from bot.nlu.intents import DEFAULT_CONTENT_DIR, IntentRouter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "tests" / "nlu" / "data" / "utterances.jsonl"
DEFAULT_PROCEDURES = ROOT.parent / "shared" / "datasets" / "tthc-commune.jsonl"


def procedure_coverage(router: IntentRouter, path: Path, show: int) -> int:
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            name = json.loads(line).get("ten_thu_tuc")
            if isinstance(name, str) and name.strip():
                names.append(name.strip())
    got = Counter()
    missed = []
    for name in names:
        intent = router.route(f"thủ tục {name}").intent
        got[intent] += 1
        if intent != "procedure":
            missed.append((intent, name))
    print(
        f"procedure names routed to 'procedure': {got['procedure']}/{len(names)} "
        f"({got['procedure'] / max(len(names), 1):.3f})"
    )
    print("by intent:", dict(got.most_common()))
    for intent, name in missed[:show]:
        print(f"  {intent:<15} {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="labelled JSONL")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    parser.add_argument("--no-misses", action="store_true", help="do not list the misses")
    parser.add_argument(
        "--procedures",
        type=Path,
        nargs="?",
        const=DEFAULT_PROCEDURES,
        help="also check procedure names from the national catalogue",
    )
    parser.add_argument("--show", type=int, default=30, help="procedure misses to list")
    args = parser.parse_args(argv)
    router = IntentRouter.load(args.content)
    if args.procedures is not None:
        return procedure_coverage(router, args.procedures, args.show)
    report = evaluate(router, load_labelled(args.file))
    print(f"file: {args.file}")
    print(format_report(report, show_misses=not args.no_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
