"""`bot content check` covers campaign templates: the shipped ones pass, broken ones are named."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content_check import check_content
from bot.features.campaigns.content import content_problems, load_templates
from bot.features.campaigns.samples import sample_values
from bot.features.enabled import FEATURES
from bot.texts import Texts

CONTENT = Settings().content_dir


def test_shipped_templates_render_within_zalo_limits() -> None:
    assert content_problems(CONTENT) == []
    templates = load_templates(CONTENT / "campaigns")
    assert set(templates) == {"go-tung-ngo", "ngay-hoi-dvc", "canh-bao-lua-dao", "vneid-muc-2"}
    text = templates["ngay-hoi-dvc"].render(commune="Xã Hòa An", village="Thôn Đông", date="x")
    assert "Xã Hòa An" in text and "Thôn Đông" in text


@pytest.mark.parametrize("today", [date(2026, 12, 7), date(2027, 3, 2)])
def test_sample_dates_come_from_today(today: date) -> None:
    tz = Settings().tz
    now = datetime.combine(today, time(9), tzinfo=tz)
    texts = Texts.load(CONTENT)
    for template in load_templates(CONTENT / "campaigns").values():
        shown = sample_values(template, now=now, tz=tz, texts=texts)
        day = datetime.strptime(shown["date"].split()[-1], "%d/%m/%Y").date()
        assert today < day <= today + timedelta(days=7), (template.id, shown)
        assert shown["place"] == template.sample["place"]
    saturday = sample_values(
        load_templates(CONTENT / "campaigns")["ngay-hoi-dvc"], now=now, tz=tz, texts=texts
    )
    assert saturday["date"].startswith("thứ Bảy ")  # its weekly schedule's first day


def test_content_check_refuses_a_fixed_sample_date(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    path = content / "campaigns" / "go-tung-ngo.yaml"
    text = path.read_text(encoding="utf-8").replace(
        'đến 11 giờ"}', 'đến 11 giờ", date: "06/12/2026"}'
    )
    path.write_text(text, encoding="utf-8")
    assert any("sample.date" in p for p in content_problems(content))


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
