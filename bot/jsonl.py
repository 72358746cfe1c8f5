"""Helpers shared by the `--json` and `--batch` modes of the CLI tools."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO


def dump(obj: Any, out: TextIO | None = None) -> None:
    # Resolved at call time, not import time, so redirected or captured streams are honoured.
    (out or sys.stdout).write(json.dumps(obj, ensure_ascii=False) + "\n")


def read_batch(field: str, inp: TextIO | None = None) -> Iterator[tuple[int, str | None, str]]:
    """Yield (line number, text or None, error) for each JSON line ``{field: "..."}``."""
    for lineno, line in enumerate(inp or sys.stdin, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, f"line {lineno}: not JSON ({exc.msg})"
            continue
        value = obj.get(field) if isinstance(obj, dict) else None
        if not isinstance(value, str):
            yield lineno, None, f'line {lineno}: expected {{"{field}": "..."}}'
            continue
        yield lineno, value, ""


def run_batch(field: str, handle: Callable[[str], Any]) -> int:
    """Answer each input line with one output line, in order; bad lines get ``{"error": ...}``."""
    failures = 0
    for _lineno, text, error in read_batch(field):
        if text is None:
            failures += 1
            dump({"error": error})
            continue
        dump(handle(text))
    sys.stdout.flush()
    return 1 if failures else 0
