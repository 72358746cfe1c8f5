"""The online filing content: families (flow → procedures, step titles) and typed cues."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.features.procedures.catalogue import ContentError, load_curated
from bot.text.normalize import normalize
from bot.texts import load_model

EXPECTED_PROCEDURES = 25


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Family(_Strict):
    title: str
    procedures: tuple[str, ...] = Field(min_length=1)
    # Step id → short title, in filing order.
    steps: dict[str, str] = Field(min_length=1)

    def index(self, step: str) -> int:
        """1-based number of a numbered step (0 when it is not one)."""
        ids = list(self.steps)
        return ids.index(step) + 1 if step in ids else 0


class FamiliesFile(_Strict):
    families: dict[str, Family] = Field(min_length=1)


class Ct24Entry(_Strict):
    code: str = Field(pattern=r"^\d\.\d{6}$")
    # Named in the sources on the directive; False: inferred from a named group (to check).
    named: bool


class Ct24File(_Strict):
    """The 25 essential services filed fully online (Chỉ thị 24/CT-TTg)."""

    reviewed: date
    source: str = Field(min_length=1)
    procedures: tuple[Ct24Entry, ...]


class CuesFile(_Strict):
    start: tuple[str, ...] = Field(min_length=1)
    resume: tuple[str, ...] = Field(min_length=1)
    done: tuple[str, ...] = Field(min_length=1)


class ContentProblem(ValueError):
    pass


@lru_cache(maxsize=4)
def families(content_dir: Path) -> dict[str, Family]:
    spec, problems = load_model(
        content_dir / "online_filing" / "families.yaml", FamiliesFile, "families.yaml"
    )
    if spec is None:
        raise ContentProblem("; ".join(problems))
    return dict(spec.families)


@lru_cache(maxsize=4)
def ct24(content_dir: Path) -> Ct24File:
    spec, problems = load_model(content_dir / "online_filing" / "ct24.yaml", Ct24File, "ct24.yaml")
    if spec is None:
        raise ContentProblem("; ".join(problems))
    return spec


@lru_cache(maxsize=4)
def cues(content_dir: Path) -> dict[str, tuple[str, ...]]:
    """Kind ("start", "resume", "done") → normalized phrases."""
    spec, problems = load_model(content_dir / "online_filing" / "cues.yaml", CuesFile, "cues.yaml")
    if spec is None:
        raise ContentProblem("; ".join(problems))
    return {
        "start": tuple(normalize(c) for c in spec.start),
        "resume": tuple(normalize(c) for c in spec.resume),
        "done": tuple(normalize(c) for c in spec.done),
    }


def cue_of(content_dir: Path, text: str) -> str | None:
    """Which cue a message carries (plain substring search: linear time)."""
    typed = normalize(text)
    if not typed:
        return None
    for kind, phrases in cues(content_dir).items():
        if any(p and p in typed for p in phrases):
            return kind
    return None


def family_of_procedure(content_dir: Path, code: str) -> str | None:
    return next((fid for fid, f in families(content_dir).items() if code in f.procedures), None)


@lru_cache(maxsize=4)
def procedure_titles(content_dir: Path) -> dict[str, str]:
    """Code → the short name residents and officials read (empty when the content is broken)."""
    try:
        curated = load_curated(content_dir)
    except ContentError:
        return {}
    return {code: p.title for code, p in curated.procedures.items()}
