"""Open a flow at the step the resident already asked about.

`content/topics/<flow>.yaml` maps step ids to phrases ("không nhận được mã otp" → `fix_otp`).
A flow whose start step branches `by: by_topic` goes straight to the step whose phrase is
found in the resident's question (`data.query`), and to the first step of `to:` otherwise.
Phrases are compared folded (no diacritics, lower case, abbreviations expanded), as whole
words; the longest phrase found wins, so specific phrases beat general ones.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import RootModel, field_validator

from bot.flows.schema import STEP_ID
from bot.text.normalize import normalize
from bot.texts import load_model, load_yaml

TOPICS_DIR = "topics"
BRANCH_NAME = "by_topic"


class TopicFile(RootModel[dict[str, tuple[str, ...]]]):
    """step id → phrases that mean the resident is asking about that step."""

    @field_validator("root")
    @classmethod
    def _valid(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for step_id, phrases in value.items():
            if not re.match(STEP_ID, step_id):
                msg = f"'{step_id}' is not a step id (lower_snake_case)"
                raise ValueError(msg)
            if not phrases:
                msg = f"'{step_id}' has no phrases"
                raise ValueError(msg)
            for phrase in phrases:
                if not normalize(phrase):
                    msg = f"'{step_id}': phrase {phrase!r} is empty once folded"
                    raise ValueError(msg)
        return value


@lru_cache(maxsize=16)
def _load(path: Path, mtime_ns: int) -> tuple[tuple[str, str], ...]:
    """(folded phrase, step id) pairs, longest phrase first."""
    del mtime_ns  # part of the cache key: an edited file is read again
    topics = TopicFile.model_validate(load_yaml(path) or {})
    pairs = [(normalize(p), step) for step, phrases in topics.root.items() for p in phrases]
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0].split()), -len(pair[0]))))


def topics_for(content_dir: Path, flow_id: str) -> tuple[tuple[str, str], ...]:
    """The flow's (folded phrase, step) pairs; empty when the flow has no topics file."""
    path = content_dir / TOPICS_DIR / f"{flow_id}.yaml"
    if not path.exists():
        return ()
    return _load(path, path.stat().st_mtime_ns)


def match_topic(query: str, pairs: tuple[tuple[str, str], ...]) -> str | None:
    """The step of the most specific phrase found in `query` as whole words, if any."""
    folded = f" {normalize(query)} "
    if not folded.strip():
        return None
    for phrase, step in pairs:
        if f" {phrase} " in folded:
            return step
    return None


def content_problems(content_dir: Path) -> list[str]:
    """Topics files name real flows, and only steps their `by_topic` branch may choose."""
    from bot.flows.loader import FlowLoadError, load_flow_files

    folder = content_dir / TOPICS_DIR
    if not folder.is_dir():
        return []
    try:
        flows = load_flow_files(content_dir / "flows", None)
    except FlowLoadError:
        return []  # the flow check reports those problems
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        where = f"{TOPICS_DIR}/{path.name}"
        topics, found = load_model(path, TopicFile, where)
        if topics is None:
            problems.extend(found)
            continue
        flow = flows.get(path.stem)
        if flow is None:
            problems.append(f"{where}: there is no flow '{path.stem}'")
            continue
        reachable = {
            target
            for step in flow.steps.values()
            if step.branch is not None and step.branch.by == BRANCH_NAME
            for target in step.branch.to
        }
        if not reachable:
            problems.append(f"{where}: flow '{flow.id}' has no step with `branch: by: by_topic`")
            continue
        problems.extend(
            f"{where}: step '{step}' is not in the `to:` list of the by_topic branch"
            for step in topics.root
            if step not in reachable
        )
    return problems
