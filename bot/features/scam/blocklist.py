"""A blocklist of scam domains, one per line (e.g. the chongluadao.vn community list).

Lines may be bare domains, URLs, or hosts-file / Adblock style entries
(``0.0.0.0 example.com``, ``||example.com^``); comments start with ``#`` or ``!``.
A host matches when it, or any parent domain of it, is listed: listing
``scam.example`` blocks ``login.scam.example`` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_HOSTS_PREFIX = re.compile(r"^(?:0\.0\.0\.0|127\.0\.0\.1|::1?)\s+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def clean_entry(line: str) -> str | None:
    """The domain named by one line of a blocklist file, or None for comments and junk."""
    entry = line.strip().lower()
    if not entry or entry[0] in "#!":
        return None
    entry = _HOSTS_PREFIX.sub("", entry)
    entry = entry.removeprefix("||").split("^", 1)[0]
    entry = _SCHEME.sub("", entry)
    entry = entry.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    entry = entry.rsplit("@", 1)[-1].split(":", 1)[0].strip(".").removeprefix("www.")
    entry = entry.removeprefix("*.")
    if "." not in entry or " " in entry:
        return None
    return entry


class Blocklist:
    """A set of blocked domains; lookups walk up a host's parent domains."""

    def __init__(self, domains: Iterable[str] = ()) -> None:
        self._domains: frozenset[str] = frozenset(domains)

    @classmethod
    def load(cls, path: Path) -> Blocklist:
        """Read `path` (UTF-8, one entry a line); unreadable lines are skipped."""
        with path.open(encoding="utf-8", errors="replace") as handle:
            domains = {entry for line in handle if (entry := clean_entry(line))}
        return cls(domains)

    @property
    def domains(self) -> frozenset[str]:
        return self._domains

    def __len__(self) -> int:
        return len(self._domains)

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and self.match(host) is not None

    def match(self, host: str) -> str | None:
        """The listed domain that covers `host` (itself or a parent), or None."""
        if not self._domains:
            return None
        labels = host.lower().strip(".").removeprefix("www.").split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            if candidate in self._domains:
                return candidate
        return None
