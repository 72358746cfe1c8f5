"""The procedure catalogue: curated YAML content plus records imported from the national catalogue.

Curated content (``content/procedures/*.yaml``) wins over an imported record with the same
code; fields a curated entry leaves empty (steps, conditions, result, legal basis, link) are
filled from the imported record, and the source says so. Files whose name starts with ``_``
hold the general rules, synonyms and card templates, not procedures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.features.procedures.model import Procedure, link_for
from db.procedures import has_imported_table, list_imported
from db.session import is_sqlite, make_engine, normalize_url, read_scope

log = logging.getLogger(__name__)
# libyaml's loader when PyYAML was built with it: ten times faster on the content files.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PROCEDURES_DIR = "procedures"
# Curated fields that, left empty, are filled from the imported record with the same code.
FILLABLE = ("steps", "conditions", "result", "legal_basis", "where", "documents", "channels")


class ContentError(Exception):
    """Curated procedure content is invalid; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class GeneralRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)


class GeneralRules(BaseModel):
    """§2.0 of the reference: where to file, office hours, no household book, proxies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    reviewed: date
    source: str
    rules: list[GeneralRule] = Field(min_length=1)


class _Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str | None = None
    level: str | None = None
    reviewed: date | None = None
    source: str | None = None
    ask: str | None = None
    decided_by: str | None = None


class _CuratedFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: _Defaults = _Defaults()
    procedures: list[dict[str, Any]] = Field(min_length=1)


@dataclass
class CuratedContent:
    procedures: dict[str, Procedure]
    general: GeneralRules
    # code → the file it came from, for messages
    files: dict[str, str] = field(default_factory=dict)


def procedure_files(content_dir: Path) -> list[Path]:
    """The curated procedure files, in a stable order."""
    folder = content_dir / PROCEDURES_DIR
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot read YAML: {exc}")
        return None


def _validation_problems(prefix: str, exc: ValidationError) -> Iterator[str]:
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top)"
        yield f"{prefix}: {where}: {error['msg']}"


def load_general(content_dir: Path) -> GeneralRules:
    problems: list[str] = []
    path = content_dir / PROCEDURES_DIR / "_general.yaml"
    raw = _read_yaml(path, problems)
    if problems:
        raise ContentError(problems)
    try:
        return GeneralRules.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(list(_validation_problems(path.name, exc))) from None


def load_curated(content_dir: Path) -> CuratedContent:
    """Every curated procedure, validated; raises ContentError listing all problems."""
    problems: list[str] = []
    procedures: dict[str, Procedure] = {}
    files: dict[str, str] = {}
    general: GeneralRules | None = None
    try:
        general = load_general(content_dir)
    except ContentError as exc:
        problems += exc.problems
    paths = procedure_files(content_dir)
    if not paths:
        problems.append(f"no procedure files in {content_dir / PROCEDURES_DIR}")
    for path in paths:
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        try:
            parsed = _CuratedFile.model_validate(raw)
        except ValidationError as exc:
            problems += _validation_problems(path.name, exc)
            continue
        defaults = parsed.defaults.model_dump(exclude_none=True)
        for index, entry in enumerate(parsed.procedures):
            label = f"{path.name}: procedures[{index}]"
            if isinstance(entry.get("code"), str):
                label = f"{path.name}: {entry['code']}"
            data = {**defaults, **entry, "origin": "curated"}
            data.setdefault("link", link_for(str(entry.get("code", "0.000000"))))
            try:
                procedure = Procedure.model_validate(data)
            except ValidationError as exc:
                problems += _validation_problems(label, exc)
                continue
            if procedure.reviewed is None:
                problems.append(f"{label}: no review date (reviewed)")
            if procedure.code in procedures:
                problems.append(f"{label}: code already used in {files[procedure.code]}")
                continue
            procedures[procedure.code] = procedure
            files[procedure.code] = path.name
    for code, procedure in procedures.items():
        for other in procedure.related:
            if other not in procedures:
                problems.append(f"{files[code]}: {code}: related code {other} is not curated")
    if problems or general is None:
        raise ContentError(problems)
    return CuratedContent(procedures=procedures, general=general, files=files)


def merge(curated: Procedure, imported: Procedure) -> Procedure:
    """The curated record, with the fields it leaves empty taken from the imported one."""
    updates: dict[str, Any] = {}
    for name in FILLABLE:
        if not getattr(curated, name) and getattr(imported, name):
            updates[name] = getattr(imported, name)
    if not updates:
        return curated
    filled = ", ".join(sorted(updates))
    updates["source"] = f"{curated.source}; {filled} from {imported.source}"
    return curated.model_copy(update=updates)


@dataclass
class Catalogue:
    """All procedures the bot knows, by code, and the general rules."""

    procedures: dict[str, Procedure]
    general: GeneralRules
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, curated: CuratedContent, imported: Iterable[Procedure] = ()) -> Catalogue:
        merged: dict[str, Procedure] = {}
        for procedure in imported:
            merged[procedure.code] = procedure
        for code, procedure in curated.procedures.items():
            other = merged.get(code)
            merged[code] = merge(procedure, other) if other is not None else procedure
        return cls(procedures=merged, general=curated.general)

    def __len__(self) -> int:
        return len(self.procedures)

    def get(self, code: str) -> Procedure | None:
        return self.procedures.get(code)

    def values(self) -> list[Procedure]:
        return list(self.procedures.values())

    def curated(self) -> list[Procedure]:
        return [p for p in self.procedures.values() if p.origin == "curated"]

    def to_verify(self) -> list[Procedure]:
        """Procedures with at least one item still marked "verify", by code."""
        return sorted((p for p in self.procedures.values() if p.verify), key=lambda p: p.code)


def load_imported(engine: Engine) -> tuple[list[Procedure], list[str]]:
    """Imported procedures stored in the database, and notes about rows that could not be read."""
    notes: list[str] = []
    procedures: list[Procedure] = []
    with read_scope(engine) as session:
        for row in list_imported(session):
            try:
                procedures.append(Procedure.model_validate(row.record))
            except ValidationError as exc:
                notes.append(f"imported {row.code} skipped: {exc.errors()[0]['msg']}")
    return procedures, notes


def imported_from_url(database_url: str | None) -> tuple[list[Procedure], list[str]]:
    """Imported procedures from `database_url` when it is a migrated database that has them.

    Never creates a database: a missing SQLite file, an unreachable server or a database
    without the table all mean "no imported procedures", with a note saying why.
    """
    if not database_url:
        return [], []
    url = normalize_url(database_url)
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).is_file():
            return [], [f"no database at {path or url}: curated procedures only"]
    engine = make_engine(url, pool_size=1)
    try:
        if not has_imported_table(engine):
            return [], ["database has no imported_procedure table (run `bot db upgrade`)"]
        return load_imported(engine)
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["error"])[0]
        return [], [f"database not usable ({reason[:200]}): curated procedures only"]
    finally:
        engine.dispose()


def load_catalogue(content_dir: Path, database_url: str | None = None) -> Catalogue:
    """Curated content plus, when `database_url` has them, imported procedures."""
    curated = load_curated(content_dir)
    imported, notes = imported_from_url(database_url)
    catalogue = Catalogue.build(curated, imported)
    catalogue.notes = notes
    for note in notes:
        log.info("procedures: %s", note)
    return catalogue


def load_yaml_mapping(path: Path) -> Mapping[str, Any]:
    """A YAML file whose top level is a mapping (content helper for synonyms and cards)."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError([f"{path.name}: cannot read YAML: {exc}"]) from None
    if not isinstance(raw, Mapping):
        msg = f"{path.name}: expected a mapping at the top level"
        raise ContentError([msg])
    return raw
