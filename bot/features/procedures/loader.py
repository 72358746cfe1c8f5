"""Load the search index once, and keep it between command-line runs.

Building the index means reading the curated YAML, the imported records and normalising
about two thousand strings (a few hundred milliseconds). `search_index` keys a pickled
index on everything it is built from: the content files' bytes, the abbreviations, this
package's code, and the imported records' fingerprint (count and last change). Any change
rebuilds it; a missing or unreadable cache is simply rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.features.procedures.catalogue import PROCEDURES_DIR, load_catalogue
from bot.features.procedures.search import Lexicon, ProcedureIndex
from bot.text.normalize import DEFAULT_ABBREVIATIONS
from db.procedures import has_imported_table, imported_fingerprint
from db.session import is_sqlite, make_engine, normalize_url, read_scope

log = logging.getLogger(__name__)
CACHE_VERSION = "1"
_CODE_FILES = ("search.py", "model.py", "catalogue.py", "importer.py")


def database_fingerprint(database_url: str | None) -> str:
    """A string that changes when the imported procedures change ("" when there are none)."""
    if not database_url:
        return ""
    url = normalize_url(database_url)
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if not path or not Path(path).is_file():
            return ""
    engine = make_engine(url, pool_size=1)
    try:
        if not has_imported_table(engine):
            return ""
        with read_scope(engine) as session:
            return imported_fingerprint(session)
    except SQLAlchemyError:
        return "unavailable"
    finally:
        engine.dispose()


def _inputs_digest(content_dir: Path, database_url: str | None) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    here = Path(__file__).resolve().parent
    files = sorted((content_dir / PROCEDURES_DIR).glob("*.yaml"))
    files += [DEFAULT_ABBREVIATIONS, *(here / name for name in _CODE_FILES)]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(normalize_url(database_url or "").encode())
    digest.update(database_fingerprint(database_url).encode())
    return digest.hexdigest()[:32]


def build_index(content_dir: Path, database_url: str | None) -> tuple[ProcedureIndex, list[str]]:
    """Build the index from curated content plus imported records (no cache)."""
    catalogue = load_catalogue(content_dir, database_url)
    index = ProcedureIndex.build(catalogue.values(), Lexicon.load(content_dir))
    return index, catalogue.notes


def search_index(
    content_dir: Path, database_url: str | None, cache_dir: Path | None = None
) -> tuple[ProcedureIndex, list[str]]:
    """The search index, from the cache when its inputs have not changed; and loading notes."""
    if cache_dir is None:
        return build_index(content_dir, database_url)
    key = _inputs_digest(content_dir, database_url)
    path = cache_dir / f"procedures-index-{key}.pickle"
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)  # noqa: S301  (a file this module wrote, keyed by its inputs)
        if isinstance(cached, tuple) and isinstance(cached[0], ProcedureIndex):
            return cached[0], list(cached[1])
    except FileNotFoundError:
        pass
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError) as exc:
        log.info("procedure index cache unreadable (%s): rebuilding", exc)
    index, notes = build_index(content_dir, database_url)
    _write_cache(cache_dir, path, (index, notes))
    return index, notes


def _write_cache(cache_dir: Path, path: Path, value: object) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("procedures-index-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".procedures-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("procedure index not cached (%s)", exc)
