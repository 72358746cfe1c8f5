"""Shared fixtures for the scam checker tests: one analyzer per session (content is read-only)."""

from __future__ import annotations

import pytest

from bot.config import PACKAGE_DIR
from bot.features.scam.analyzer import ScamAnalyzer

CONTENT_DIR = PACKAGE_DIR / "content"


@pytest.fixture(scope="session")
def analyzer() -> ScamAnalyzer:
    return ScamAnalyzer.load(CONTENT_DIR)


def codes(analyzer: ScamAnalyzer, text: str) -> set[str]:
    return {s.code for s in analyzer.check(text).signals}
