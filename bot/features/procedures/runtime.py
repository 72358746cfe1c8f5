"""The procedure service for a running bot: built once per content and catalogue version."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from bot.features.procedures.loader import database_fingerprint
from bot.features.procedures.service import CLEAR_LEAD, CLEAR_SCORE, ProcedureService


@lru_cache(maxsize=4)
def _service(content_dir: Path, database_url: str, fingerprint: str) -> ProcedureService:
    del fingerprint  # part of the cache key only: a new import builds a new service
    return ProcedureService.load(content_dir, database_url or None)


def procedure_service(content_dir: Path, database_url: str | None) -> ProcedureService:
    """Curated procedures plus the imported ones; reused while neither changes."""
    fingerprint = database_fingerprint(database_url)
    # An empty catalogue table reads the same for every database, so it shares one build.
    key_url = database_url if fingerprint not in ("", "0|None|None") else ""
    return _service(content_dir, key_url or "", fingerprint)


def lookup_for(service: ProcedureService) -> Callable[[str], str | None]:
    """A procedure lookup for the intent router: a code only for a clear best match, the
    same rule by which the procedures flow opens a card directly."""

    def lookup(text: str) -> str | None:
        hits = service.search(text, limit=2)
        if not hits or hits[0].score < CLEAR_SCORE:
            return None
        if len(hits) > 1 and hits[0].score - hits[1].score < CLEAR_LEAD:
            return None
        return hits[0].code

    return lookup
