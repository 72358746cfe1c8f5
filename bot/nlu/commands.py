"""`bot route`: show how the bot understands a message.

    bot route "quên mật khẩu vneid" --json
    bot route --batch < messages.jsonl     # {"text": "..."} per line → one result per line

Without `--json` it prints a short human-readable explanation (the intent, the cues that
fired, the model's alternatives, every intent's score). Registered through
`bot.commands.route`, it routes exactly as chat does: the same router and the same
procedure lookup (`routing`), so `procedure` is filled as in chat.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.jsonl import dump, run_batch
from bot.nlu.intents import DEFAULT_CONTENT_DIR, IntentRouter, ProcedureLookup, Route
from bot.nlu.schema import ContentProblem
from bot.nlu.training import register_nlu


@dataclass(frozen=True)
class Routing:
    """What routing uses: the router, the procedure lookup, the procedure search's ranking."""

    router: IntentRouter
    lookup: ProcedureLookup | None = None
    rank: Callable[[str], Sequence[str]] | None = None


RoutingFactory = Callable[[Path], Routing]


def rules_and_model(content_dir: Path) -> Routing:
    """The router alone, without a procedure search."""
    return Routing(IntentRouter.load(content_dir))


def register(subparsers: Any, routing: RoutingFactory = rules_and_model) -> None:
    _register_route(subparsers, routing)
    register_nlu(subparsers, routing)


def _register_route(subparsers: Any, routing: RoutingFactory) -> None:
    parser = subparsers.add_parser(
        "route",
        help="show which intent and flow a resident's message leads to",
        description="Route a message the way the bot does: global command, menu number, "
        "then intent detection. --json prints {intent, flow, procedure, confidence, matched}.",
    )
    parser.add_argument("text", nargs="?", help="the message (omit with --batch)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--batch",
        action="store_true",
        help='read JSON lines {"text": "..."} on stdin, write one JSON result per line',
    )
    parser.add_argument(
        "--content-dir",
        type=Path,
        default=DEFAULT_CONTENT_DIR,
        help="content directory holding nlu/intents.yaml (default: the packaged content)",
    )
    parser.set_defaults(func=run, routing=routing)


def run(args: argparse.Namespace) -> int:
    if args.batch == (args.text is not None):
        sys.stderr.write("bot route: give TEXT, or --batch with JSON lines on stdin\n")
        return 2
    try:
        found: Routing = args.routing(args.content_dir)
        router, lookup = found.router, found.lookup
    except ContentProblem as exc:
        sys.stderr.write(f"bot route: the NLU content has problems:\n{exc}\n")
        return 1
    if args.batch:
        return run_batch("text", lambda text: router.route(text, lookup).as_json())
    route = router.route(args.text, procedure_lookup=lookup)
    if args.json:
        dump(route.as_json())
    else:
        sys.stdout.write(explain(route) + "\n")
    return 0


def explain(route: Route) -> str:
    """A few lines for people: the decision, why, and the runner-up scores."""
    lines = [
        f"intent: {route.intent}  flow: {route.flow or '-'}  confidence: {route.confidence:.2f}"
    ]
    if route.procedure:
        lines.append(f"procedure: {route.procedure}")
    lines.append(f"matched: {', '.join(route.matched) or '(nothing)'}")
    if route.cleaned:
        lines.append(f"read as: {route.cleaned}")
    if route.alternatives:
        choices = ", ".join(f"{name}={p:.2f}" for name, p in route.alternatives)
        lines.append(f"model: {choices}" + ("  (uncertain: ask)" if route.uncertain else ""))
    if route.scores:
        lines.append("scores: " + ", ".join(f"{name}={score:g}" for name, score in route.scores))
    return "\n".join(lines)
