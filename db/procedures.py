"""Queries over imported procedures. Keyword-only functions over a `Session`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, func, inspect
from sqlmodel import Session, select

from db.models.procedures import ImportedProcedure
from db.types import utcnow

UpsertOutcome = Literal["added", "updated", "unchanged"]


@dataclass(frozen=True)
class ProcedureRow:
    """What the importer writes for one procedure."""

    code: str
    name: str
    field: str | None
    record: dict[str, Any]
    content_hash: str


def imported_hashes(session: Session) -> dict[str, str]:
    """Code → content hash of every imported procedure."""
    rows = session.exec(select(ImportedProcedure.code, ImportedProcedure.content_hash)).all()
    return dict(rows)


def upsert_imported(
    session: Session, *, rows: Iterable[ProcedureRow], source_file: str
) -> dict[str, UpsertOutcome]:
    """Insert new codes, update changed ones, leave equal ones alone; code → outcome.

    Runs inside the caller's transaction: the caller commits once for the whole batch.
    """
    existing = {p.code: p for p in session.exec(select(ImportedProcedure)).all()}
    outcomes: dict[str, UpsertOutcome] = {}
    now = utcnow()
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            session.add(
                ImportedProcedure(
                    code=row.code,
                    name=row.name,
                    field=row.field,
                    record=row.record,
                    content_hash=row.content_hash,
                    source_file=source_file,
                    imported_at=now,
                    updated_at=now,
                )
            )
            outcomes[row.code] = "added"
        elif current.content_hash != row.content_hash:
            current.name = row.name
            current.field = row.field
            current.record = row.record
            current.content_hash = row.content_hash
            current.source_file = source_file
            current.updated_at = now
            session.add(current)
            outcomes[row.code] = "updated"
        else:
            outcomes[row.code] = "unchanged"
    session.flush()
    return outcomes


def list_imported(session: Session) -> Sequence[ImportedProcedure]:
    """Every imported procedure, by code."""
    return session.exec(select(ImportedProcedure).order_by(ImportedProcedure.code)).all()


def count_imported(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(ImportedProcedure)).one())


def delete_imported(session: Session, *, codes: Iterable[str]) -> int:
    """Remove the given codes; returns how many rows were deleted."""
    deleted = 0
    for code in codes:
        row = session.get(ImportedProcedure, code)
        if row is not None:
            session.delete(row)
            deleted += 1
    return deleted


def imported_fingerprint(session: Session) -> str:
    """Changes whenever imported procedures are added, updated or removed."""
    count, last_import, last_update = session.exec(
        select(
            func.count(),
            func.max(ImportedProcedure.imported_at),
            func.max(ImportedProcedure.updated_at),
        ).select_from(ImportedProcedure)
    ).one()
    return f"{count}|{last_import}|{last_update}"


def has_imported_table(engine: Engine) -> bool:
    """Whether the database has been migrated far enough to hold imported procedures."""
    return inspect(engine).has_table("imported_procedure")
