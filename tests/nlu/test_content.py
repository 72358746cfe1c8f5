"""`content/nlu/intents.yaml` is validated strictly: editors' mistakes are reported, not ignored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.nlu.intents import DEFAULT_CONTENT_DIR, IntentRouter, check_content
from bot.nlu.names import DETECTED_INTENTS
from bot.nlu.schema import ContentProblem, load_content

MakeContent = Callable[[Callable[[dict[str, Any]], None]], Path]


def test_packaged_content_is_valid_and_every_example_routes_to_its_intent() -> None:
    assert check_content(DEFAULT_CONTENT_DIR) == []


def test_packaged_content_describes_every_intent_with_examples() -> None:
    content = load_content(DEFAULT_CONTENT_DIR)
    assert set(content.intents) == set(DETECTED_INTENTS)
    for name, spec in content.intents.items():
        assert spec.examples, f"{name} has no examples"
        assert spec.description.strip()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]

    return edit


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (_set("intents.vneid.cuez", {"vneid": 3}), "Extra inputs are not permitted"),
        (_set("tuning.typo_factor", 0.5), "Extra inputs are not permitted"),
        (_set("intents.weather", {"description": "x", "cues": {"mưa": 2}}), "not known"),
        (_delete("intents.thanks"), "intents without cues: thanks"),
        (_set("intents.vneid.cues", {}), "at least one cue"),
        (_set("intents.vneid.cues", {"vneid": 3, "VNeID": 2}), "same as"),
        (_set("intents.vneid.cues", {"???": 3}), "empty part"),
        (_set("intents.vneid.cues", {"gọi +": 3}), "empty part"),
        (_set("intents.vneid.cues", {"vneid": 0}), "greater than 0"),
        (_set("intents.vneid.cues", {"vneid": "nhiều"}), "valid number"),
        (_set("tuning.min_confidence", 1.5), "less than or equal to 1"),
        (_set("menu_numbers.choices", {"1": "weather"}), "unknown intent"),
        (_set("menu_numbers.choices", {"0": "vneid"}), "'0' is the menu command"),
        (_set("signals.link.intent", "spam"), "unknown intent"),
        (_set("commands.back", ["hủy"]), "listed under both"),
    ],
)
def test_mistakes_are_reported(
    edit: Callable[[dict[str, Any]], None], complaint: str, content_dir: MakeContent
) -> None:
    root = content_dir(edit)
    with pytest.raises(ContentProblem, match=complaint):
        load_content(root)
    problems = check_content(root)
    assert problems
    assert all(line.startswith(str(root / "nlu" / "intents.yaml")) for line in problems)


def test_yaml_booleans_are_not_taken_for_cues(tmp_path: Path) -> None:
    # An unquoted `on:` is YAML for true: the editor must be told, not silently ignored.
    source = (DEFAULT_CONTENT_DIR / "nlu" / "intents.yaml").read_text("utf-8")
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "intents.yaml").write_text(
        source.replace("      vneid: 3\n", "      vneid: 3\n      on: 2\n", 1), "utf-8"
    )
    with pytest.raises(ContentProblem, match=r"intents\.vneid\.cues"):
        load_content(tmp_path)


def test_unreadable_or_broken_files_are_reported(tmp_path: Path) -> None:
    assert "cannot read" in check_content(tmp_path)[0]
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "intents.yaml").write_text("intents: [unclosed", "utf-8")
    assert "not valid YAML" in check_content(tmp_path)[0]


def test_an_example_that_routes_elsewhere_is_reported(content_dir: MakeContent) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["intents"]["thanks"]["examples"].append("quên mật khẩu vneid")

    problems = check_content(content_dir(edit))
    assert problems == [
        "intents.thanks.examples: 'quên mật khẩu vneid' is understood as 'vneid' "
        "(cue:vneid, cue:quên mật khẩu)"
    ]


def test_editing_a_cue_changes_routing(content_dir: MakeContent) -> None:
    message = "tôi muốn hỏi về con nuôi"
    assert IntentRouter.load(DEFAULT_CONTENT_DIR).route(message).intent == "unknown"

    def edit(data: dict[str, Any]) -> None:
        data["intents"]["procedure"]["cues"]["con nuôi"] = 3

    route = IntentRouter.load(content_dir(edit)).route(message)
    assert (route.intent, route.matched) == ("procedure", ("cue:con nuôi",))
