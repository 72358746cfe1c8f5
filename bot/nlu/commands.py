"""`bot route`: show how the bot understands a message.

    bot route "quên mật khẩu vneid" --json
    bot route --batch < messages.jsonl     # {"text": "..."} per line → one result per line

Without `--json` it prints a short human-readable explanation (the intent, the cues that
fired, every intent's score). `procedure` stays null here: the national code comes from the
procedure search, passed to `IntentRouter.route(text, procedure_lookup=...)`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.jsonl import dump, run_batch
from bot.nlu.intents import DEFAULT_CONTENT_DIR, IntentRouter, Route
from bot.nlu.schema import ContentProblem


def register(subparsers: Any) -> None:
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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.batch == (args.text is not None):
        sys.stderr.write("bot route: give TEXT, or --batch with JSON lines on stdin\n")
        return 2
    try:
        router = IntentRouter.load(args.content_dir)
    except ContentProblem as exc:
        sys.stderr.write(f"bot route: the NLU content has problems:\n{exc}\n")
        return 1
    if args.batch:
        return run_batch("text", lambda text: router.route(text).as_json())
    route = router.route(args.text)
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
    if route.scores:
        lines.append("scores: " + ", ".join(f"{name}={score:g}" for name, score in route.scores))
    return "\n".join(lines)
