"""The skills flow's own content check: the steps and texts its hooks rely on exist."""

from __future__ import annotations

from pathlib import Path

from bot.features.skills.hooks import FLOW, SKIP_STEP
from bot.texts import Texts, load_yaml

# Steps this module sends residents to by name: renaming one in the YAML breaks the flow.
NAMED_STEPS = (
    "intro",
    "choose",
    "lesson",
    "quiz",
    "quiz_feedback",
    "quiz_result",
    "quiz_passed",
    "quiz_failed",
    "mastered",
    "place",
    "village",
    "village_saved",
    "household",
    "household_saved",
    "household_refused",
    SKIP_STEP,
)


BUTTON_TEXTS = (
    "button_start",
    "button_continue",
    "button_next_lesson",
    "button_next_page",
    "button_prev_page",
    "button_quiz",
    "button_next",
    "button_results",
    "button_place",
    "button_review",
)


MAX_LABEL = 30


def content_problems(content_dir: Path) -> list[str]:
    """For `bot content check`: the steps and texts this module relies on exist and fit."""
    problems: list[str] = []
    path = content_dir / "flows" / f"{FLOW}.yaml"
    try:
        steps = set((load_yaml(path) or {}).get("steps") or {})
    except Exception as exc:  # noqa: BLE001 (reported by the flow check too; keep going)
        return [f"flows/{FLOW}.yaml: {exc}"]
    problems.extend(
        f"flows/{FLOW}.yaml: step '{step}' is missing (the lesson and quiz code goes there)"
        for step in NAMED_STEPS
        if step not in steps
    )
    try:
        texts = Texts.load(content_dir)
    except Exception:  # noqa: BLE001 (the replies check reports unreadable files)
        return problems
    for key in (*BUTTON_TEXTS, "passed_mark", "skip_words"):
        if not texts.has(f"skills.{key}"):
            problems.append(f"texts/skills.yaml: '{key}' is missing")
    for key in BUTTON_TEXTS:
        if texts.has(f"skills.{key}") and len(str(texts.raw(f"skills.{key}"))) > MAX_LABEL:
            problems.append(
                f"texts/skills.yaml: '{key}' is longer than {MAX_LABEL} characters (a button)"
            )
    return problems
