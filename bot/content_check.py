"""`bot content check`: validate every content file and list every problem readably.

Checks: YAML schemas (unknown keys are errors), links between steps, hooks named by flows
exist, every template renders with sample data (StrictUndefined catches misspelt
variables), Zalo's limits (text ≤ 2,000 characters, ≤ 5 buttons, short button labels).
Each enabled feature adds its own checks (`Feature.content_checks`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateError
from pydantic import ValidationError

from bot.feature import merged_hooks, owned_flows_problems
from bot.flows import topics
from bot.flows.loader import FlowLoadError, load_flow_files, sample_context
from bot.flows.registry import Hooks
from bot.nlu import intents
from bot.replies import MAX_LABEL
from bot.services import MenuFile
from bot.text.normalize import load_abbreviations, normalize
from bot.texts import Texts, load_yaml, render
from bot.zalo.messages import MAX_TEXT

if TYPE_CHECKING:
    from bot.feature import Feature

# Variables the shared replies may use, with sample values.
REPLY_SAMPLE: dict[str, Any] = {
    "name": "Bác Ba",
    "commune": "Xã Mẫu",
    "what": "mã OTP",
    "feature": "Tra thủ tục",
    "to": "Kiểm tra lừa đảo",
    "back": "VNeID",
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
    "by": "Lê Thị Mai",
    "at": "09:15 07/12/2026",
    "hours": 48,
    # texts/village.yaml
    "example": "Thôn Đông",
    "typed": "nha van hoa thon dong",
    "start": "21:00",
    "end": "07:00",
    "until": "7 giờ sáng mai, thứ Ba 08/12/2026",
    "asked": "8 giờ sáng nay, thứ Hai 07/12/2026",
    # texts/campaigns.yaml when_words.format
    "hour": 8,
    "minute": 30,
    "period": "sáng",
    "relative": "mai",
    "weekday": "thứ Ba",
    # replies.yaml menu.more_line
    "label": "Nhận thông báo của thôn",
    # texts/online_filing.yaml
    "procedure": "Đăng ký khai sinh",
    "step": "Mở VNeID và đăng nhập",
    "code": "1.001193",
    "number": 1,
    "total": 5,
    "days": 3,
    # texts/privacy.yaml
    "count": 3,
}


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


def check_flows(content: Path, hooks: Hooks) -> list[str]:
    try:
        flows = load_flow_files(content / "flows", hooks)
    except FlowLoadError as exc:
        return [f"flows/{line}" for line in str(exc).splitlines()]
    problems: list[str] = []
    for flow in flows.values():
        for step_id, step in flow.steps.items():
            where = f"flows/{flow.id}.yaml: step '{step_id}'"
            if not step.title:
                problems.append(f"{where}: no `title` (the dashboard's funnels show it)")
            problems.extend(_render_problems(where, step.say, sample_context(flow, step, hooks)))
            if step.invalid:
                problems.extend(
                    _render_problems(
                        where + " (invalid)", step.invalid, sample_context(flow, step, hooks)
                    )
                )
            problems.extend(
                f"{where}: answer phrase '{phrase}' has no letters or digits to match"
                for answer in step.answers
                for phrase in answer.means
                if not normalize(phrase)
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


# The pipeline's own content; features add theirs (`Feature.content_checks`).
CORE_CHECKS: tuple[Callable[[Path], list[str]], ...] = (
    check_replies,
    check_menu,
    check_abbreviations,
    intents.check_content,
    topics.content_problems,
)


def check_content(content: Path, features: tuple[Feature, ...]) -> list[str]:
    """Every problem found in the content directory (empty when all is well)."""
    problems = check_flows(content, merged_hooks(features))
    problems.extend(owned_flows_problems(features, content))
    for check in (*CORE_CHECKS, *(c for f in features for c in f.content_checks)):
        problems.extend(check(content))
    return problems
