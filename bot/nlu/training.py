"""`bot nlu train` and `bot nlu eval`: build the learned model, measure the router.

    bot nlu train                 # (re)build the model for the content, print the time
    bot nlu eval [FILE ...]       # accuracy, per-intent recall, confusions, procedures

`eval` reads the team's labelled sets (`tests/nlu/data/*.jsonl`, when present) and the
shared development set `../shared/datasets/utterances-dev.tsv`, skipping cleanly any that
is absent. The shared sets measure only: nothing here trains on them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.nlu.evaluation import evaluate, format_report, load_any, procedure_score
from bot.nlu.intents import DEFAULT_CONTENT_DIR
from bot.nlu.model import DEFAULT_CACHE_DIR, load_examples, load_or_train
from bot.nlu.schema import ContentProblem

if TYPE_CHECKING:
    from bot.nlu.commands import Routing

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_SETS = (
    REPO / "tests" / "nlu" / "data" / "utterances.jsonl",
    REPO / "tests" / "nlu" / "data" / "heldout.jsonl",
    REPO.parent / "shared" / "datasets" / "utterances-dev.tsv",
)


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def register_nlu(subparsers: Any, routing: Callable[[Path], Routing]) -> None:
    parser = subparsers.add_parser("nlu", help="build the learned intent model, measure routing")
    sub = parser.add_subparsers(dest="nlu_command", metavar="ACTION", required=True)
    train = sub.add_parser("train", help="rebuild the intent model from content/nlu/examples")
    eval_ = sub.add_parser("eval", help="intent accuracy, confusions, procedure top-1/top-3")
    for each in (train, eval_):
        each.add_argument("--content-dir", type=Path, default=DEFAULT_CONTENT_DIR)
    train.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    train.set_defaults(func=run_train)
    eval_.add_argument("files", nargs="*", type=Path, help="labelled .jsonl / .tsv files")
    eval_.add_argument("--misses", action="store_true", help="list every miss")
    eval_.set_defaults(func=run_eval, routing=routing)


def run_train(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        model = load_or_train(args.content_dir, args.cache_dir, force=True)
    except ValueError as exc:
        sys.stderr.write(f"bot nlu train: {exc}\n")
        return 1
    seconds = time.perf_counter() - started
    if model is None:
        _say("no examples in content/nlu/examples: the rules decide alone")
        return 0
    count = len(load_examples(args.content_dir))
    _say(f"trained on {count} examples ({len(model.labels)} intents) in {seconds:.1f} s")
    _say(f"model {model.digest} cached in {args.cache_dir}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    try:
        routing = args.routing(args.content_dir)
    except ContentProblem as exc:
        sys.stderr.write(f"bot nlu eval: the NLU content has problems:\n{exc}\n")
        return 1
    for path in args.files or DEFAULT_SETS:
        if not path.is_file():
            _say(f"== {path.name}: skipped ({path} not found)\n")
            continue
        report = evaluate(routing.router, load_any(path), routing.lookup)
        uncertain = sum(o.route.uncertain for o in report.outcomes)
        _say(f"== {path.name}")
        _say(format_report(report, show_misses=args.misses))
        _say(f"uncertain (would ask): {uncertain}/{len(report.outcomes)}")
        score = procedure_score(report, routing.rank)
        if score.total:
            _say(score.line())
        _say()
    return 0
