"""The `bot` command line. Each feature registers its own sub-commands.

A feature module listed in `COMMAND_MODULES` exposes ``register(subparsers)``; it adds its
parsers and sets ``func`` (taking the parsed namespace, returning an exit code) on each.
Modules are imported when the command line is built, never at package import.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "bot.commands.core",
    "bot.commands.admin",
    "bot.sim.commands",
    "bot.nlu.commands",
    "bot.features.procedures.commands",
    "bot.features.scam.commands",
    "bot.dev.play",
    "bot.features.skills.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot", description="Zalo OA backend for the commune's digital technology team"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
