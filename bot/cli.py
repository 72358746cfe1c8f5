"""The `bot` command line: the core commands, then each enabled feature's own.

A command module exposes ``register(subparsers)``; it adds its parsers and sets ``func``
(taking the parsed namespace, returning an exit code) on each. Features list theirs in their
manifest (`Feature.commands`); nothing is imported before the command line is built.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

Register = Callable[[Any], None]


def core_commands() -> tuple[Register, ...]:
    """serve, scheduler, worker, db, content, flows, org, zalo, admin, sim, route, play."""
    from bot.commands import admin, core, route
    from bot.dev import play
    from bot.sim import commands as sim

    return (core.register, admin.register, sim.register, route.register, play.register)


def feature_commands() -> tuple[Register, ...]:
    from bot.features.enabled import FEATURES

    return tuple(register for feature in FEATURES for register in feature.commands)


def commands() -> tuple[Register, ...]:
    return (*core_commands(), *feature_commands())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot", description="Zalo OA backend for the commune's digital technology team"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in commands():
        register(sub)
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
