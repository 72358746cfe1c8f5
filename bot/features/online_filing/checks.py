"""`bot content check` for online filing: the 25 paperless procedures of Chỉ thị 24/CT-TTg,
each with an online-first card (channel, what to have ready, fee and time, the counter as the
fallback, sources, review date) and a guided family; the families matching their flow files."""

from __future__ import annotations

from pathlib import Path

from bot.features.online_filing.content import (
    EXPECTED_PROCEDURES,
    ContentProblem,
    Ct24Entry,
    ct24,
    cues,
    families,
)
from bot.features.procedures.catalogue import Catalogue, ContentError
from bot.features.procedures.service import ProcedureService
from bot.flows.schema import FlowSpec
from bot.text.normalize import normalize
from bot.texts import load_model

NUMBERED = "online_step"
# How the first 'where' line shows it is the online channel (compared without diacritics).
ONLINE_WORDS = ("truc tuyen", "vneid", "dichvucong")


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


def card_problems(catalogue: Catalogue, entry: Ct24Entry) -> list[str]:
    """Why a paperless procedure's card is not online-first (empty when it is)."""
    code = entry.code
    card = catalogue.get(code)
    if card is None:
        return [f"online_filing: Chỉ thị 24 procedure {code} has no card"]
    online = card.channels[0] if card.channels else None
    if online is None or online.kind != "truc_tuyen":
        return [f"online_filing: {code}: the online channel must come first"]
    out = []
    if not online.note:
        out.append(f"{code}: the online channel has no note naming the app or portal")
    if not (online.time_text and online.fee_text):
        out.append(f"{code}: the online channel needs time_text and fee_text")
    first_place = normalize(card.where[0]) if card.where else ""
    if not any(word in first_place for word in ONLINE_WORDS):
        out.append(f"{code}: the first place in 'where' must be the online one")
    if not card.ready:
        out.append(f"{code}: no 'ready' list (what to have ready before filing online)")
    if not any(c.kind == "truc_tiep" for c in card.channels):
        out.append(f"{code}: no counter channel (truc_tiep) as the fallback")
    if card.reviewed is None or not card.source:
        out.append(f"{code}: needs a review date and a source")
    if not entry.named and not card.verify:
        out.append(f"{code}: inferred as paperless but the card marks nothing to verify")
    return [f"online_filing: {p}" for p in out]


def content_problems(content_dir: Path) -> list[str]:
    try:
        fams = families(content_dir)
        listed = ct24(content_dir)
        cues(content_dir)
    except ContentProblem as exc:
        return [f"online_filing: {exc}"]
    problems: list[str] = []
    codes = [e.code for e in listed.procedures]
    if len(set(codes)) != EXPECTED_PROCEDURES or len(codes) != EXPECTED_PROCEDURES:
        problems.append(
            f"online_filing: ct24.yaml lists {len(set(codes))} distinct procedures "
            f"(of {len(codes)}), expected {EXPECTED_PROCEDURES}"
        )
    guided = [c for f in fams.values() for c in f.procedures]
    problems += [
        f"online_filing: {c} is in more than one family"
        for c in sorted(set(guided))
        if guided.count(c) > 1
    ]
    problems += [
        f"online_filing: Chỉ thị 24 procedure {c} has no guided family"
        for c in codes
        if c not in guided
    ]
    try:
        catalogue = ProcedureService.load(content_dir, None).catalogue
    except ContentError:
        return problems  # the procedures feature's own check reports it
    for entry in listed.procedures:
        problems += card_problems(catalogue, entry)
    problems += [
        f"online_filing: family procedure {c} has no card"
        for c in guided
        if catalogue.get(c) is None
    ]
    for flow_id, fam in fams.items():
        problems.extend(_flow_problems(content_dir, flow_id, list(fam.steps)))
    return problems
