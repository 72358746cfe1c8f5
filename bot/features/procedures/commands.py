"""`bot procedures …`: search, import, list, show.

- ``search QUERY [--limit N] [--json]`` and ``search --batch`` (JSON lines ``{"query": …}`` on
  standard input, one JSON array per line out, in order; the catalogue is loaded once).
- ``import PATH [--database-url URL]``: national-catalogue JSON/JSONL into the database;
  exit 0 when the file could be read (even if some records were rejected), 1 when not.
- ``list [--verify]``: the catalogue, or only procedures with items still to verify.
- ``show CODE [--more]``: the chat card of one procedure, as the resident would see it.

Search and show work without a database (curated content only) and add imported records
when ``DATABASE_URL`` (or ``--database-url``) points at a migrated database that has them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import get_settings
from bot.features.procedures.catalogue import Catalogue, ContentError, load_catalogue
from bot.features.procedures.importer import ImportFileError, import_file
from bot.features.procedures.loader import search_index
from bot.jsonl import dump, read_batch

DEFAULT_LIMIT = 5
MAX_LIMIT = 50


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("procedures", help="administrative procedures: search, import")
    sub = parser.add_subparsers(dest="procedures_command", metavar="ACTION", required=True)

    search = sub.add_parser("search", help="find procedures for a resident's question")
    search.add_argument("query", nargs="?", help="what the resident typed")
    search.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="how many results (≤50)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "--batch", action="store_true", help='read {"query": …} JSON lines on standard input'
    )
    _database_option(search)
    search.set_defaults(func=cmd_search)

    imp = sub.add_parser("import", help="import national-catalogue records (JSON or JSONL)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    _database_option(imp)
    imp.set_defaults(func=cmd_import)

    lst = sub.add_parser("list", help="list procedures")
    lst.add_argument("--verify", action="store_true", help="only items still marked to verify")
    lst.add_argument("--json", action="store_true", help="print JSON")
    _database_option(lst)
    lst.set_defaults(func=cmd_list)

    show = sub.add_parser("show", help="print a procedure's chat card")
    show.add_argument("code")
    show.add_argument("--more", action="store_true", help="steps, conditions and legal basis")
    _database_option(show)
    show.set_defaults(func=cmd_show)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default=None, help="database with imported procedures (DATABASE_URL)"
    )


def _database_url(args: argparse.Namespace) -> str:
    return str(args.database_url or get_settings().database_url)


def _catalogue(args: argparse.Namespace) -> Catalogue:
    catalogue = load_catalogue(get_settings().content_dir, _database_url(args))
    for note in catalogue.notes:
        _err(f"note: {note}")
    return catalogue


def cmd_search(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        _err(f"error: --limit must be between 1 and {MAX_LIMIT}")
        return 2
    if not args.batch and not args.query:
        _err("error: give a QUERY, or --batch with JSON lines on standard input")
        return 2
    settings = get_settings()
    try:
        index, notes = search_index(
            settings.content_dir, _database_url(args), settings.procedures_cache_dir
        )
    except ContentError as exc:
        _err(f"error: procedure content is invalid:\n{exc}")
        return 1
    for note in notes:
        _err(f"note: {note}")

    def answer(query: str) -> list[dict[str, Any]]:
        return [hit.as_dict() for hit in index.search(query, args.limit)]

    if args.batch:
        return _batch(answer)
    hits = answer(args.query)
    if args.json:
        dump(hits, sys.stdout)
    elif not hits:
        _out("no procedure found")
    else:
        for hit in hits:
            _out(f"{hit['score']:.3f}  {hit['code']}  {hit['name']}")
    return 0


def _batch(answer: Callable[[str], list[dict[str, Any]]]) -> int:
    """One JSON array per input line, in order; bad lines get {"error": …} and exit code 1.

    The streams are looked up at call time (not bound as defaults), so that callers and tests
    may replace them.
    """
    failures = 0
    for _lineno, query, error in read_batch("query", sys.stdin):
        if query is None:
            failures += 1
            dump({"error": error}, sys.stdout)
        else:
            dump(answer(query), sys.stdout)
    sys.stdout.flush()
    return 1 if failures else 0


def cmd_import(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from db.procedures import has_imported_table
    from db.session import make_engine

    path: Path = args.path
    url = _database_url(args)
    engine = make_engine(url)
    try:
        if not has_imported_table(engine):
            _err("error: the database has no imported_procedure table; run `bot db upgrade` first")
            return 1
        report = import_file(engine, path, source=path.name)
    except ImportFileError as exc:
        _err(f"error: {exc}")
        return 1
    except SQLAlchemyError as exc:
        _err(f"error: database: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}")
        return 1
    finally:
        engine.dispose()
    if args.json:
        dump(report.as_dict(), sys.stdout)
        return 0
    _out(
        f"{path}: {report.records} records: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.rejected)} rejected"
    )
    _out(
        f"{report.usable_channels} of {report.accepted} accepted records give a processing time "
        "and a fee as numbers for at least one channel"
    )
    for rejected in report.rejected:
        code = f" ({rejected.code})" if rejected.code else ""
        _out(f"  rejected {rejected.position}{code}: {rejected.reason}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    try:
        catalogue = _catalogue(args)
    except ContentError as exc:
        _err(f"error: procedure content is invalid:\n{exc}")
        return 1
    procedures = (
        catalogue.to_verify() if args.verify else sorted(catalogue.values(), key=lambda p: p.code)
    )
    if args.json:
        dump(
            [
                {
                    "code": p.code,
                    "name": p.title,
                    "origin": p.origin,
                    "reviewed": p.reviewed.isoformat() if p.reviewed else None,
                    "verify": p.verify,
                }
                for p in procedures
            ],
            sys.stdout,
        )
        return 0
    for p in procedures:
        reviewed = p.reviewed.isoformat() if p.reviewed else "-"
        _out(f"{p.code}  [{p.origin}, {reviewed}]  {p.title}")
        if args.verify:
            for item in p.verify:
                _out(f"    verify: {item}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from bot.features.procedures.cards import CardTemplates, card_buttons, render_card, render_more

    try:
        catalogue = _catalogue(args)
        templates = CardTemplates.load(get_settings().content_dir)
    except ContentError as exc:
        _err(f"error: procedure content is invalid:\n{exc}")
        return 1
    procedure = catalogue.get(args.code)
    if procedure is None:
        _err(f"error: no procedure {args.code}")
        return 1
    messages = render_more(procedure, templates) if args.more else render_card(procedure, templates)
    for i, message in enumerate(messages, start=1):
        _out(f"--- message {i}/{len(messages)} ({len(message)} characters)")
        _out(message)
    buttons = card_buttons(procedure, catalogue, templates)
    _out("--- buttons: " + json.dumps([b.title for b in buttons], ensure_ascii=False))
    return 0
