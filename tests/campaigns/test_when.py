"""Times and dates as leaders type them, read against a fixed clock: Monday 07/12/2026, 09:00 in
Vietnam. Every reading is in the future and in Vietnam time; nonsense gives None."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.config import Settings
from bot.features.campaigns.when import MAX_INPUT, in_words, read_when, understand
from bot.texts import Texts

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CLOCK = FakeClock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # Monday 09:00 in Vietnam
NOW = CLOCK.now()
TEXTS = Texts.load(Settings().content_dir)


def vn(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8h sáng mai", vn(12, 8, 8)),
        ("8 gio sang mai", vn(12, 8, 8)),
        ("8 GIỜ SÁNG MAI", vn(12, 8, 8)),
        ("7h30 sang mai", vn(12, 8, 7, 30)),
        ("mai 7 rưỡi sáng", None),  # "7 rưỡi" without "giờ": not placed
        ("mai 7 giờ rưỡi sáng", vn(12, 8, 7, 30)),
        ("chiều nay 3 giờ", vn(12, 7, 15)),
        ("chieu nay 3h", vn(12, 7, 15)),
        ("chiu nay 3h", vn(12, 7, 15)),  # a letter missing
        ("sangg mai 8h", vn(12, 8, 8)),  # a letter doubled
        ("15h30 thứ 6", vn(12, 11, 15, 30)),
        ("15h30 thu 6", vn(12, 11, 15, 30)),
        ("thứ sáu 15:30", vn(12, 11, 15, 30)),
        ("thu hai tuan sau 7h", vn(12, 14, 7)),
        ("thứ 2 tuần tới 7h", vn(12, 14, 7)),
        ("thứ 7 tuần này 8h", vn(12, 12, 8)),
        ("chủ nhật 8h", vn(12, 13, 8)),
        ("cn 8h", vn(12, 13, 8)),
        ("thứ 2 8h", vn(12, 14, 8)),  # today is Monday and 8:00 has passed: the next Monday
        ("thứ 2 10h", vn(12, 7, 10)),  # still to come today
        ("ngày 20/12 lúc 9h", vn(12, 20, 9)),
        ("ngay 20/12 luc 9h", vn(12, 20, 9)),
        ("20/12 9:00", vn(12, 20, 9)),
        ("9:00 20-12", vn(12, 20, 9)),
        ("9h ngày 20 tháng 12", vn(12, 20, 9)),
        ("8h ngày 20 tháng 12 năm 2026", vn(12, 20, 8)),
        ("07:30 12/12/2026", vn(12, 12, 7, 30)),
        ("7h30 12/12/26", vn(12, 12, 7, 30)),
        ("6/1 8h", vn(1, 6, 8, year=2027)),  # no year: the next 6 January
        ("5/12 8h", vn(12, 5, 8, year=2027)),  # 5 December has passed this year
        ("thứ 6 ngày 11/12 8h", vn(12, 11, 8)),  # the weekday agrees with the date
        ("sáng ngày kia", vn(12, 9, 8)),
        ("sang ngay mot", vn(12, 9, 8)),
        ("tối nay", vn(12, 7, 19)),
        ("toi nay", vn(12, 7, 19)),
        ("trưa mai", vn(12, 8, 11, 30)),
        ("12h trưa mai", vn(12, 8, 12)),
        ("10h đêm nay", vn(12, 7, 22)),
        ("lúc 3 giờ", vn(12, 7, 15)),  # no part of the day: the afternoon
        ("lúc 10", vn(12, 7, 10)),
        ("8h", vn(12, 8, 8)),  # 8:00 has passed today: tomorrow's
        ("8h30p sáng thứ 2", vn(12, 14, 8, 30)),
        ("8h sáng mai nhé.", vn(12, 8, 8)),
        # not understood, or not a moment at all
        ("", None),
        ("abc", None),
        ("mai", None),  # a day without a time
        ("thứ 7 tuần này", None),
        ("25:99 hôm nay", None),
        ("8h61", None),
        ("15h sáng mai", None),  # 15:00 is not in the morning
        ("thứ 8 8h", None),
        ("31/02 8h", None),
        ("20/13 8h", None),
        ("8h 9h mai", None),  # two times
        ("mai 8h ngày 20/12", None),  # two days that disagree
        ("thứ 5 ngày 11/12 8h", None),  # 11/12 is a Friday
        ("hôm kia 8h", None),  # two days ago
        ("8h sáng mai tại nhà văn hóa", None),  # words that are not a time
        ("1234", None),
        ("tuần sau", None),
        ("20/12/2025 8h", None),  # a past date
        ("thứ 2 tuần này 8h", None),  # this Monday 8:00 has passed
    ],
)
def test_reads_what_leaders_type(typed: str, expected: datetime | None) -> None:
    got = read_when(typed, now=NOW, tz=VN)
    assert got == expected
    if got is not None:
        assert got > NOW and got.tzinfo is not None and got.utcoffset() == VN.utcoffset(got)


def test_a_time_today_already_past_is_proposed_for_tomorrow() -> None:
    reading = understand("8h sáng nay", now=NOW, tz=VN)
    assert reading is not None and reading.moved
    assert (reading.asked, reading.at) == (vn(12, 7, 8), vn(12, 8, 8))
    assert not understand("8h sáng mai", now=NOW, tz=VN).moved  # type: ignore[union-attr]
    past = understand("20/12/2025 8h", now=NOW, tz=VN)
    assert past is not None and past.at is None and past.asked == vn(12, 20, 8, year=2025)


def test_follows_the_clock() -> None:
    clock = FakeClock(NOW)
    clock.advance(days=5)  # Saturday 12/12, 09:00
    assert read_when("thứ 7 8h", now=clock.now(), tz=VN) == vn(12, 19, 8)
    assert read_when("thứ 7 10h", now=clock.now(), tz=VN) == vn(12, 12, 10)
    clock.set(datetime(2026, 12, 31, 16, 0, tzinfo=UTC))  # 23:00 on 31/12
    assert read_when("8h sáng mai", now=clock.now(), tz=VN) == vn(1, 1, 8, year=2027)
    assert read_when("1/1 8h", now=clock.now(), tz=VN) == vn(1, 1, 8, year=2027)


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (vn(12, 8, 8), "8 giờ sáng mai, thứ Ba 08/12/2026"),
        (vn(12, 7, 15, 30), "3 giờ 30 chiều nay, thứ Hai 07/12/2026"),
        (vn(12, 9, 19, 5), "7 giờ 05 tối ngày kia, thứ Tư 09/12/2026"),
        (vn(12, 11, 12), "12 giờ trưa, thứ Sáu 11/12/2026"),
        (vn(12, 13, 7, 30), "7 giờ 30 sáng, Chủ nhật 13/12/2026"),
        (vn(12, 7, 22), "10 giờ đêm nay, thứ Hai 07/12/2026"),
    ],
)
def test_says_a_moment_in_words(when: datetime, said: str) -> None:
    assert in_words(when, now=NOW, tz=VN, texts=TEXTS) == said
    assert in_words(when.astimezone(UTC), now=NOW, tz=VN, texts=TEXTS) == said


ALPHABET = st.sampled_from(
    [*"0123456789/:.-h ", "sáng", "chiều", "tối", "mai", "nay", "thứ", "tuần", "sau", "kia"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=MAX_INPUT * 2),
        st.lists(ALPHABET, max_size=40).map("".join),
    ),
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # made aware below
        max_value=datetime(2099, 12, 31),
    ),
)
def test_never_raises_and_is_always_future(text: str, when: datetime) -> None:
    now = when.replace(tzinfo=UTC)
    reading = understand(text, now=now, tz=VN)
    if reading is not None and reading.at is not None:
        assert reading.at > now
        assert reading.at.tzinfo is not None
