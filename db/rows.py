"""Changing an ORM row by column name, for the `db/` modules that write whole rows."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

Row = TypeVar("Row", bound=SQLModel)


def write(session: Session, row: Row, changes: dict[str, Any]) -> Row:
    """Set `changes` (column name → value) on `row` and add it to `session`. A name that is not
    one of the row's columns is an error (SQLModel's own `sqlmodel_update` would skip it)."""
    unknown = sorted(set(changes) - set(type(row).model_fields))
    if unknown:
        raise AttributeError(f"{type(row).__name__} has no column {', '.join(unknown)}")
    for name, value in changes.items():
        setattr(row, name, value)
    session.add(row)
    return row
