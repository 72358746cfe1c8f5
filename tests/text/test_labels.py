"""Button labels that fit a phone (cut at a word, with an ellipsis, never two alike) and the check
for Vietnamese typed without diacritics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.replies import ELLIPSIS, MAX_LABEL, fit_labels, short_label
from bot.text.normalize import fold
from bot.text.syllables import typed_without_diacritics


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("Cảnh báo lừa đảo mới", "Cảnh báo lừa đảo mới"),
        ("Đi từng ngõ, gõ từng nhà, hướng dẫn từng người", "Đi từng ngõ, gõ từng nhà…"),
        ("Ngày hội dịch vụ công trực tuyến", "Ngày hội dịch vụ công trực…"),
        ("Supercalifragilisticexpialidociousnessity", "Supercalifragilisticexpialido…"),
        ("  Hai   khoảng   trắng  ", "Hai khoảng trắng"),
    ],
)
def test_a_title_is_cut_at_a_word(title: str, label: str) -> None:
    assert short_label(title) == label


def test_titles_that_cut_alike_keep_the_words_that_differ() -> None:
    titles = [
        "Kích hoạt tài khoản định danh điện tử VNeID mức 2",
        "Cảnh báo lừa đảo mới",
        "Kích hoạt tài khoản định danh điện tử VNeID mức 3",
    ]
    assert fit_labels(titles) == [
        "Kích hoạt tài khoản… mức 2",
        "Cảnh báo lừa đảo mới",
        "Kích hoạt tài khoản… mức 3",
    ]
    same = ["Họp thôn về việc thu tiền điện tháng 12"] * 2
    assert fit_labels(same) == ["Họp thôn về việc thu tiền… (1)", "Họp thôn về việc thu tiền… (2)"]


@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=5))
def test_labels_always_fit_and_differ_when_titles_do(titles: list[str]) -> None:
    labels = fit_labels(titles)
    assert all(len(label) <= MAX_LABEL for label in labels)
    if len({fold(" ".join(t.split())) for t in titles}) == len(titles):
        assert len({fold(label) for label in labels}) == len(labels)
    for title, label in zip(titles, labels, strict=True):
        if len(" ".join(title.split())) <= MAX_LABEL and labels.count(label) == 1:
            assert ELLIPSIS not in label or ELLIPSIS in title


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("nha van hoa thon dong", True),
        ("Toi nay 19h hop thon tai nha van hoa.", True),
        ("Nhà văn hóa thôn Đông", False),
        ("Thon Đong", False),  # one letter with a diacritic: typed with them
        ("8 gio", False),  # one word is not enough to tell
        ("VNeID app download now please", False),
        ("", False),
    ],
)
def test_text_typed_without_diacritics(text: str, bare: bool) -> None:
    assert typed_without_diacritics(text) is bare
