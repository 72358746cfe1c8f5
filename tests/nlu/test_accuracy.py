"""Accuracy floors on the labelled sets, and the sets' own shape.

`utterances.jsonl` is the development set the lexicon was built against; `heldout.jsonl`
was written after the lexicon was frozen and never used for tuning.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.nlu.evaluation import evaluate, format_report, load_labelled
from bot.nlu.intents import IntentRouter
from tests.nlu.conftest import DATA

CONTRACT_INTENTS = (
    "vneid",
    "procedure",
    "scam_check",
    "digital_skills",
    "handoff",
    "menu",
    "greeting",
    "thanks",
    "unknown",
)


@pytest.mark.parametrize(("name", "floor"), [("utterances.jsonl", 0.95), ("heldout.jsonl", 0.90)])
def test_accuracy_floor(router: IntentRouter, name: str, floor: float) -> None:
    report = evaluate(router, load_labelled(DATA / name))
    assert report.accuracy >= floor, format_report(report)


def test_development_set_shape() -> None:
    rows = load_labelled(DATA / "utterances.jsonl")
    assert len(rows) >= 300
    counts = Counter(row.intent for row in rows)
    for intent in CONTRACT_INTENTS:
        assert counts[intent] >= 20, (intent, counts[intent])
    assert len({row.text for row in rows}) == len(rows), "duplicate utterances"


def test_heldout_set_shape_and_independence() -> None:
    heldout = load_labelled(DATA / "heldout.jsonl")
    assert len(heldout) >= 80
    assert set(Counter(row.intent for row in heldout)) >= set(CONTRACT_INTENTS)
    development = {row.text.casefold() for row in load_labelled(DATA / "utterances.jsonl")}
    overlap = [row.text for row in heldout if row.text.casefold() in development]
    assert not overlap, overlap
