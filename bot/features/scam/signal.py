"""One reason for a scam verdict (shared by the analyzer and its readers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    """One reason for the verdict: a code, the sentence a resident reads, and its weight."""

    code: str
    explanation: str
    weight: float
    type: str = "khac"
