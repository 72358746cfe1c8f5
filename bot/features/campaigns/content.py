"""Campaign templates: `content/campaigns/*.yaml` (YAML + Jinja2, StrictUndefined).

Each file: `id`, `title`, `text` (the notice, may use `commune`, `village`, `date`, `place`,
`time`), `sample` (example place and time for the preview and the content check: the example
date is taken from today, see `samples.py`) and an optional `suggested` schedule.
`bot content check` renders every template with its sample values.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.texts import load_yaml, render
from bot.zalo.messages import MAX_TEXT

VARIABLES = ("commune", "village", "date", "place", "time")
SAMPLE_CONTEXT = {
    "commune": "Xã Hòa An",
    "village": "Thôn Đông",
    "date": "06/12/2026",
    "place": "Nhà văn hóa thôn",
    "time": "7 giờ 30",
}


class CampaignTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]{2,64}$")
    title: str = Field(min_length=3, max_length=200)
    text: str = Field(min_length=10)
    sample: dict[str, str] = Field(default_factory=dict)
    suggested: dict[str, Any] = Field(default_factory=dict)

    def render(self, **context: Any) -> str:
        values = {**self.sample, **{k: v for k, v in context.items() if v is not None}}
        return render(self.text, values)


class TemplateFileError(ValueError):
    pass


def _load(directory: Path) -> tuple[dict[str, CampaignTemplate], list[str]]:
    templates: dict[str, CampaignTemplate] = {}
    problems: list[str] = []
    if not directory.is_dir():
        return templates, problems
    for path in sorted(directory.glob("*.yaml")):
        where = f"campaigns/{path.name}"
        try:
            template = CampaignTemplate.model_validate(load_yaml(path))
        except ValidationError as exc:
            problems.extend(
                f"{where}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            continue
        except Exception as exc:  # noqa: BLE001 (report any unreadable file as a problem)
            problems.append(f"{where}: cannot be read: {exc}")
            continue
        if template.id in templates:
            problems.append(f"{where}: id '{template.id}' is used by another template")
        if path.stem != template.id:
            problems.append(f"{where}: the file name should be {template.id}.yaml")
        templates[template.id] = template
    return templates, problems


@lru_cache(maxsize=8)
def load_templates(directory: Path) -> dict[str, CampaignTemplate]:
    templates, problems = _load(directory)
    if problems:
        raise TemplateFileError("; ".join(problems))
    return templates


def content_problems(content: Path) -> list[str]:
    """For `bot content check`: every campaign template loads and renders within Zalo's limit."""
    templates, problems = _load(content / "campaigns")
    for template in templates.values():
        where = f"campaigns/{template.id}.yaml"
        unknown = set(template.sample) - set(VARIABLES)
        if unknown:
            problems.append(f"{where}: sample has unknown variables {sorted(unknown)}")
        if "date" in template.sample:
            problems.append(
                f"{where}: sample.date: remove it, the example date is taken from today"
            )
        try:
            text = render(template.text, {**SAMPLE_CONTEXT, **template.sample})
        except TemplateError as exc:
            problems.append(f"{where}: template error: {exc}")
            continue
        if len(text) > MAX_TEXT:
            problems.append(f"{where}: {len(text)} characters, more than Zalo's {MAX_TEXT}")
    return problems
