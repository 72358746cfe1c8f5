"""The content check of "Ghi nhận hỗ trợ": the shipped wording passes; broken wording is
reported with the key and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import Settings
from bot.features.fieldwork.content import content_problems


def test_the_shipped_wording_passes() -> None:
    assert content_problems(Settings().content_dir) == []


def test_broken_wording_is_reported(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(Settings().content_dir, content)
    path = content / "fieldwork" / "texts.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{{ household }} ({{ village }})", "{{ houshold }}", 1)
    text = text.replace('more_button: "Thêm hộ khác"', 'more_button: "' + "Thêm hộ khác " * 4 + '"')
    text = text.replace('  scam: "Phòng lừa đảo"\n', "")
    text = text.replace("follow_campaigns: [ngay-hoi-dvc", "follow_campaigns: [ngay-hoi-khong-co")
    path.write_text(text, encoding="utf-8")
    problems = "\n".join(content_problems(content))
    assert "'ask_actions': template error" in problems and "houshold" in problems
    assert "'more_button': a button label over 30" in problems
    assert "action_buttons lacks scam" in problems
    assert "no campaign template 'ngay-hoi-khong-co'" in problems
