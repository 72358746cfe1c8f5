"""Reply → Zalo message bodies: splitting, list templates, group rendering."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.replies import Button, Reply
from bot.text.normalize import nfc
from bot.zalo.messages import (
    FALLBACK_TITLE,
    MAX_SUBTITLE,
    MAX_TEXT,
    MAX_TITLE,
    fingerprint,
    split_text,
    to_group_messages,
    to_user_messages,
)


def test_short_text_is_one_message() -> None:
    assert to_user_messages(Reply("Xin chào")) == [{"text": "Xin chào"}]


def test_long_text_splits_at_paragraphs_and_keeps_everything() -> None:
    paragraphs = [f"Đoạn {i}: " + "chữ " * 120 for i in range(8)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= MAX_TEXT for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(p.startswith("Đoạn") for p in parts)


@given(st.text(min_size=0, max_size=9000))
def test_split_never_exceeds_the_limit_and_loses_no_words(text: str) -> None:
    parts = split_text(text)
    assert all(0 < len(p) <= MAX_TEXT for p in parts)
    assert "".join("".join(parts).split()) == "".join(nfc(text).split())


def test_buttons_become_a_list_template() -> None:
    reply = Reply(
        "Bạn cần gì?\nChọn bên dưới",
        buttons=(
            Button("VNeID", payload="#go:vneid"),
            Button("Cổng DVC", url="https://dichvucong.gov.vn"),
            Button("Gọi xã", phone="0210388812"),
        ),
    )
    [message] = to_user_messages(reply)
    payload = message["attachment"]["payload"]
    assert payload["template_type"] == "list"
    assert payload["elements"] == [{"title": "Bạn cần gì?", "subtitle": "Chọn bên dưới"}]
    assert payload["buttons"] == [
        {"title": "VNeID", "type": "oa.query.hide", "payload": "#go:vneid"},
        {
            "title": "Cổng DVC",
            "type": "oa.open.url",
            "payload": {"url": "https://dichvucong.gov.vn"},
        },
        {"title": "Gọi xã", "type": "oa.open.phone", "payload": {"phone_code": "0210388812"}},
    ]


def test_long_prompt_moves_to_text_before_the_list() -> None:
    long = "Hướng dẫn: " + "bước " * 150
    reply = Reply(long, buttons=(Button("Tiếp", payload="#x"),))
    messages = to_user_messages(reply)
    assert messages[0]["text"].startswith("Hướng dẫn")
    element = messages[-1]["attachment"]["payload"]["elements"][0]
    assert element["title"] == FALLBACK_TITLE
    assert len(element["title"]) <= MAX_TITLE and len(element["subtitle"]) <= MAX_SUBTITLE


def test_last_paragraph_becomes_the_list_header() -> None:
    reply = Reply("Đoạn đầu dài.\n\nBạn chọn mức nào?", buttons=(Button("Mức 1", payload="#a"),))
    first, second = to_user_messages(reply)
    assert first == {"text": "Đoạn đầu dài."}
    assert second["attachment"]["payload"]["elements"][0]["title"] == "Bạn chọn mức nào?"


def test_groups_get_numbered_text_never_templates() -> None:
    reply = Reply(
        "Thông báo", buttons=(Button("Xem", url="https://x.gov.vn"), Button("A", payload="#a"))
    )
    messages = to_group_messages(reply)
    assert all(set(m) == {"text"} for m in messages)
    assert "1. Xem: https://x.gov.vn" in messages[0]["text"]
    assert "2. A" in messages[0]["text"]


def test_fingerprint() -> None:
    assert fingerprint({"text": "Chào"}) == "Chào"
    [message] = to_user_messages(Reply("Tiêu đề", buttons=(Button("A", payload="#a"),)))
    assert fingerprint(message) == "Tiêu đề"
