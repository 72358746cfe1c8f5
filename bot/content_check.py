"""`bot content check`: validate every content file and list every problem readably.

Checks: YAML schemas (unknown keys are errors), links between steps, hooks named by flows
exist, every template renders with sample data (StrictUndefined catches misspelt
variables), Zalo's limits (text ≤ 2,000 characters, ≤ 5 buttons, short button labels).
Feature packages add their own checks through `EXTRA_CHECKS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from pydantic import ValidationError

from bot.flows.engine import FlowLoadError, load_flow_files, sample_context
from bot.services import MenuFile
from bot.text.normalize import load_abbreviations
from bot.texts import Texts, load_yaml, render
from bot.zalo.messages import MAX_TEXT

MAX_LABEL = 30
# Variables the shared replies may use, with sample values.
REPLY_SAMPLE: dict[str, Any] = {
    "name": "Bác Ba",
    "commune": "Xã Mẫu",
    "what": "mã OTP",
    "feature": "Tra thủ tục",
    # texts/handoff.yaml
    "member": "Lê Thị Mai",
    "eta": "trong chiều nay",
    "id": 12,
    "resident": "Bác Ba",
    "place": "Thôn Đông",
    "need": "cài VNeID cho mẹ",
    "when": "buổi chiều",
    "minutes": 30,
    "holding": 2,
    "text": "Chiều nay cháu qua nhé.",
    "next_id": 13,
    "next_resident": "Cô Tư",
    # texts/campaigns.yaml
    "group": "Bà con Trung Hòa",
    "title": "Ngày hội dịch vụ công trực tuyến",
    "village": "Thôn Đông",
    "targets": "3 nơi nhận",
    "problem": "thôn này không thuộc phạm vi của anh/chị",
    "status": "đang chờ",
    "date": "06/12/2026",
    "time": "7 giờ 30",
    "first": "07:30 12/12/2026",
    "last": "15/12/2026",
    "author": "Lò Văn Pánh",
    "villages": "Bản Nà Lầy",
}
# "module:function" taking the content dir and returning problems; features add theirs.
EXTRA_CHECKS: tuple[str, ...] = (
    "bot.nlu.intents:check_content",
    "bot.features.procedures.service:content_problems",
    "bot.features.scam.content:content_problems",
    "bot.flows.topics:content_problems",
    "bot.features.skills.lessons:content_problems",
    "bot.features.skills.hooks:content_problems",
    "bot.features.campaigns.content:content_problems",
)


def _render_problems(where: str, source: str, context: dict[str, Any]) -> list[str]:
    try:
        text = render(source, context)
    except TemplateError as exc:
        return [f"{where}: template error: {exc}"]
    if len(text) > MAX_TEXT:
        return [f"{where}: {len(text)} characters, more than Zalo's {MAX_TEXT}"]
    return []


def check_replies(content: Path) -> list[str]:
    problems: list[str] = []
    try:
        texts = Texts.load(content)
    except Exception as exc:  # noqa: BLE001 (report any unreadable file as a problem)
        return [f"replies.yaml: cannot be read: {exc}"]
    for key in texts.keys():  # noqa: SIM118 (Texts is not a dict)
        value = texts.raw(key)
        if not isinstance(value, str):
            problems.append(f"replies.yaml: '{key}' must be a text")
            continue
        problems.extend(_render_problems(f"replies.yaml: '{key}'", value, REPLY_SAMPLE))
    return problems


def check_menu(content: Path) -> list[str]:
    try:
        MenuFile.model_validate(load_yaml(content / "menu.yaml"))
    except ValidationError as exc:
        return [f"menu.yaml: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    except Exception as exc:  # noqa: BLE001 (report any unreadable file as a problem)
        return [f"menu.yaml: {exc}"]
    return []


def check_flows(content: Path) -> list[str]:
    try:
        flows = load_flow_files(content / "flows")
    except FlowLoadError as exc:
        return [f"flows/{line}" for line in str(exc).splitlines()]
    problems: list[str] = []
    for flow in flows.values():
        for step_id, step in flow.steps.items():
            where = f"flows/{flow.id}.yaml: step '{step_id}'"
            problems.extend(_render_problems(where, step.say, sample_context(flow, step)))
            if step.invalid:
                problems.extend(
                    _render_problems(where + " (invalid)", step.invalid, sample_context(flow, step))
                )
            for button in step.buttons:
                if len(button.label) > MAX_LABEL:
                    problems.append(
                        f"{where}: button '{button.label}' is {len(button.label)} characters "
                        f"(keep labels ≤ {MAX_LABEL} so they fit on a phone)"
                    )
    return problems


def check_abbreviations(content: Path) -> list[str]:
    try:
        load_abbreviations.cache_clear()
        load_abbreviations(content / "nlu" / "abbreviations.yaml")
    except Exception as exc:  # noqa: BLE001 (report any unreadable file as a problem)
        return [f"nlu/abbreviations.yaml: {exc}"]
    return []


CORE_CHECKS: tuple[Callable[[Path], list[str]], ...] = (
    check_replies,
    check_menu,
    check_flows,
    check_abbreviations,
)


def check_content(content: Path) -> list[str]:
    """Every problem found in the content directory (empty when all is well)."""
    problems: list[str] = []
    for check in CORE_CHECKS:
        problems.extend(check(content))
    for spec in EXTRA_CHECKS:
        module, _, name = spec.partition(":")
        fn: Callable[[Path], list[str]] = getattr(importlib.import_module(module), name)
        problems.extend(fn(content))
    return problems
