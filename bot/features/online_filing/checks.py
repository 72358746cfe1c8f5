"""`bot content check` for online filing: the 25 procedures, online channel first, and the
families matching their flow files."""

from __future__ import annotations

from pathlib import Path

from bot.features.online_filing.content import (
    EXPECTED_PROCEDURES,
    ContentProblem,
    cues,
    families,
)
from bot.features.procedures.catalogue import ContentError
from bot.features.procedures.service import ProcedureService
from bot.flows.schema import FlowSpec
from bot.texts import load_model

NUMBERED = "online_step"


def _flow_problems(content_dir: Path, flow_id: str, steps: list[str]) -> list[str]:
    path = content_dir / "flows" / f"{flow_id}.yaml"
    spec, problems = load_model(path, FlowSpec, path.name)
    if spec is None:
        return [f"online_filing: flows/{flow_id}.yaml: {p}" for p in problems] or [
            f"online_filing: flows/{flow_id}.yaml is missing"
        ]
    out = [
        f"online_filing: {flow_id}: step '{s}' is not in the flow"
        for s in steps
        if s not in spec.steps
    ]
    numbered = [sid for sid, st in spec.steps.items() if st.action == NUMBERED]
    if numbered != steps:
        out.append(
            f"online_filing: {flow_id}: numbered steps {numbered} differ from families.yaml {steps}"
        )
    return out


def content_problems(content_dir: Path) -> list[str]:
    try:
        fams = families(content_dir)
        cues(content_dir)
    except ContentProblem as exc:
        return [f"online_filing: {exc}"]
    problems: list[str] = []
    codes = [c for f in fams.values() for c in f.procedures]
    if len(set(codes)) != EXPECTED_PROCEDURES or len(codes) != EXPECTED_PROCEDURES:
        problems.append(
            f"online_filing: {len(set(codes))} distinct procedures (of {len(codes)}), "
            f"expected {EXPECTED_PROCEDURES}, each in one family"
        )
    try:
        catalogue = ProcedureService.load(content_dir, None).catalogue
    except ContentError:
        return problems  # the procedures feature's own check reports it
    for code in codes:
        card = catalogue.get(code)
        if card is None:
            problems.append(f"online_filing: procedure {code} has no card")
        elif not card.channels or card.channels[0].kind != "truc_tuyen":
            problems.append(f"online_filing: {code}: the online channel must come first")
    for flow_id, fam in fams.items():
        problems.extend(_flow_problems(content_dir, flow_id, list(fam.steps)))
    return problems
