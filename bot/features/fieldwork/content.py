"""The wording of "Ghi nhận hỗ trợ": `content/fieldwork/texts.yaml` (YAML + Jinja2).

Kept beside the other content, loaded once per directory, and checked by `bot content check`
(every text renders with sample values within Zalo's limits; every action has a name and a
short button; the follow-through campaigns are templates that exist).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from bot.texts import Texts, flatten, load_yaml, render
from bot.zalo.messages import MAX_TEXT

FILE = Path("fieldwork") / "texts.yaml"
# What was done, in the order the member sees it.
ACTIONS = (
    "vneid_installed",
    "vneid_level2",
    "filing",
    "skills",
    "mastered",
    "cashless",
    "shop",
    "scam",
)
MAX_BUTTON = 30
SAMPLE: dict[str, Any] = {
    "village": "Thôn Đông",
    "household": "Nguyễn Văn An",
    "items": "1. Cài ứng dụng VNeID\n2. Kích hoạt VNeID mức 2",
    "chosen": "Cài ứng dụng VNeID",
    "done": "Kích hoạt VNeID mức 2, Nộp hồ sơ trực tuyến (Đăng ký khai sinh)",
    "people": 2,
    "n": 1,
    "month": "12/2026",
    "name": "Lê Thị Mai",
    "visits": 14,
    "households": 11,
    "level2": 6,
    "filings": 3,
    "skills": 9,
    "covered": 2,
    "lines": "- Lê Thị Mai: 14 lượt, 11 hộ, 6 VNeID mức 2, 3 hồ sơ",
    "title": "Ngày hội dịch vụ công trực tuyến",
}


@lru_cache(maxsize=4)
def raw(content_dir: Path) -> dict[str, Any]:
    return dict(load_yaml(content_dir / FILE) or {})


@lru_cache(maxsize=4)
def texts(content_dir: Path) -> Texts:
    return Texts(flatten(raw(content_dir), "fieldwork."))


@lru_cache(maxsize=16)
def words(content_dir: Path, key: str) -> frozenset[str]:
    """A comma-separated list of phrases, normalised (what a typed message is compared with)."""
    from bot.text.normalize import normalize

    return frozenset(normalize(w) for w in str(raw(content_dir)[key]).split(",") if w.strip())


def content_problems(content: Path) -> list[str]:
    """For `bot content check`."""
    where = f"{FILE}"
    try:
        data = raw(content)
    except Exception as exc:  # noqa: BLE001 (report any unreadable file as a problem)
        return [f"{where}: cannot be read: {exc}"]
    problems: list[str] = []
    for key, value in flatten(data).items():
        if isinstance(value, str):
            try:
                text = render(value, SAMPLE)
            except TemplateError as exc:
                problems.append(f"{where}: '{key}': template error: {exc}")
                continue
            if len(text) > MAX_TEXT:
                problems.append(f"{where}: '{key}': {len(text)} characters, more than {MAX_TEXT}")
            button = key.endswith("_button") or key.startswith("action_buttons.")
            if button and len(text) > MAX_BUTTON:
                problems.append(f"{where}: '{key}': a button label over {MAX_BUTTON} chars")
    for group in ("actions", "action_buttons"):
        missing = [a for a in ACTIONS if not (data.get(group) or {}).get(a)]
        if missing:
            problems.append(f"{where}: {group} lacks {', '.join(missing)}")
    examples = data.get("procedure_examples") or []
    if not isinstance(examples, list) or len(examples) > 4:
        problems.append(f"{where}: procedure_examples must be a list of at most 4 names")
    for name in data.get("follow_campaigns") or []:
        if not (content / "campaigns" / f"{name}.yaml").is_file():
            problems.append(f"{where}: follow_campaigns: no campaign template '{name}'")
    hour = data.get("campaign_ask_hour")
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        problems.append(f"{where}: campaign_ask_hour must be an hour, 0 to 23")
    required = (
        "start_words",
        "summary_words",
        "last_month_words",
        "today_words",
        "saved",
        "summary",
    )
    for key in required:
        if key not in data:
            problems.append(f"{where}: '{key}' is missing")
    return problems
