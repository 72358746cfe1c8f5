"""`bot content check` covers campaign templates: the shipped ones pass, broken ones are named."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import Settings
from bot.content_check import check_content
from bot.features.campaigns.content import content_problems, load_templates
from bot.features.enabled import FEATURES

CONTENT = Settings().content_dir


def test_shipped_templates_render_within_zalo_limits() -> None:
    assert content_problems(CONTENT) == []
    templates = load_templates(CONTENT / "campaigns")
    assert set(templates) == {"go-tung-ngo", "ngay-hoi-dvc", "canh-bao-lua-dao", "vneid-muc-2"}
    text = templates["ngay-hoi-dvc"].render(commune="Xã Hòa An", village="Thôn Đông")
    assert "Xã Hòa An" in text and "Thôn Đông" in text


def test_content_check_catches_a_broken_campaign_template(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "campaigns" / "hong.yaml").write_text(
        "id: hong\ntitle: Mẫu hỏng\ntext: |\n  Kính gửi bà con {{ thon }}: họp lúc {{ time }}.\n",
        encoding="utf-8",
    )
    (content / "campaigns" / "dai.yaml").write_text(
        "id: dai\ntitle: Quá dài\ntext: |\n  " + "Thông báo dài. " * 200 + "\n", encoding="utf-8"
    )
    (content / "campaigns" / "sai-khoa.yaml").write_text(
        "id: sai-khoa\ntitle: Sai khóa\ntext: Nội dung đủ dài\nbuttons: []\n", encoding="utf-8"
    )
    problems = check_content(content, FEATURES)
    assert any("campaigns/hong.yaml" in p and "'thon' is undefined" in p for p in problems)
    assert any("campaigns/dai.yaml" in p and "more than Zalo's 2000" in p for p in problems)
    assert any("campaigns/sai-khoa.yaml" in p and "buttons" in p for p in problems)
