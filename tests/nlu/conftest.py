"""Fixtures for the NLU tests: one router over the packaged content, a content-dir factory."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.nlu.intents import DEFAULT_CONTENT_DIR, IntentRouter, default_router

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def router() -> IntentRouter:
    return default_router()


@pytest.fixture(scope="session")
def packaged_content() -> dict[str, Any]:
    return yaml.safe_load((DEFAULT_CONTENT_DIR / "nlu" / "intents.yaml").read_text("utf-8"))


@pytest.fixture
def content_dir(
    tmp_path: Path, packaged_content: dict[str, Any]
) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """Write a copy of the packaged intents.yaml, changed by `edit`, and return its dir."""

    def make(edit: Callable[[dict[str, Any]], None]) -> Path:
        root = tmp_path / "content"
        shutil.rmtree(root, ignore_errors=True)
        (root / "nlu").mkdir(parents=True)
        data = yaml.safe_load(yaml.safe_dump(packaged_content, allow_unicode=True))
        edit(data)
        (root / "nlu" / "intents.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
        return root

    return make
