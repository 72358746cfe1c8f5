"""Dates and times as leaders type them in Vietnamese, read into a moment in the commune's time.

"8h sáng mai", "8 gio sang mai", "chiều nay 3 giờ", "15h30 thứ 6", "thu hai tuan sau 7h",
"ngày 20/12 lúc 9h", "20/12 9:00", "sáng ngày kia", "tối nay": with or without diacritics
(folded with `bot.text.normalize.fold`), doubled letters and one-letter slips in the longer words
forgiven ("chiu" → "chieu", "sangg" → "sang").

`understand` gives a `Reading`: the moment to use, always after `now`, and the moment the words
literally said when that had already passed ("8h sáng nay" at 9:00 → 8:00 tomorrow, for the leader
to confirm), or no moment at all when the words name a past date ("20/12/2025"). A date without
a year is its next occurrence; a time without a day is today's, else tomorrow's. Anything not
understood gives None: a word that is neither a date/time word nor a filler, a number that is not
placed (neither "8h", "8:00", "20/12" nor "lúc 8"), two days or two times that disagree.

One tokenising pass over at most `MAX_INPUT` characters, then a left-to-right walk over the
tokens: linear time, no backtracking patterns.

`in_words` says a moment back the way people say it ("8 giờ sáng mai, thứ Ba 08/12/2026"), with
the words from `content/texts/campaigns.yaml` (`when_words`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol

from bot.text.normalize import fold

MAX_INPUT = 120
_TOKEN = re.compile(r"\d{1,4}|[a-z]+|[/:.\-]")
_DOUBLED = re.compile(r"([a-z])\1+")

PERIODS = ("sang", "trua", "chieu", "toi", "dem")
# A part of the day without an hour: the usual time for a notice then.
PERIOD_DEFAULT = {
    "sang": time(8, 0),
    "trua": time(11, 30),
    "chieu": time(14, 0),
    "toi": time(19, 0),
    "dem": time(21, 0),
}
_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_HOUR_MARKS = frozenset({"h", "g", "gio", ":"})
_MINUTE_MARKS = frozenset({"p", "ph", "phut"})
_FILLERS = frozenset(
    {
        "luc",
        "vao",
        "ngay",
        "hom",
        "buoi",
        "nhe",
        "nha",
        "a",
        "khoang",
        "tam",
        "gui",
        "la",
        "nhat",
        ".",
        "-",
    }
)
# Longer words a slip of one letter may have spoiled (only words of 4+ letters are repaired).
_REPAIRABLE = ("sang", "trua", "chieu", "khuya", "tuan", "ngay", "thang", "phut", "ruoi", "nhat")
_KNOWN = frozenset(
    {*PERIODS, *_WEEKDAY_WORDS, *_HOUR_MARKS, *_MINUTE_MARKS, *_FILLERS, *_REPAIRABLE}
    | {"nay", "mai", "mot", "kia", "thu", "chu", "cn", "tuan", "thang", "khuya", "sau", "toi"}
)


@dataclass(frozen=True)
class Reading:
    """`at`: the moment to use (after now, in the commune's zone), or None when the words named a
    moment already past that has no sensible next one. `asked`: what the words literally said."""

    at: datetime | None
    asked: datetime

    @property
    def moved(self) -> bool:
        return self.at is not None and self.at != self.asked


@dataclass
class _Parts:
    day: tuple[int, int, int | None] | None = None  # day, month, year
    offset: int | None = None  # 0 today, 1 tomorrow, 2 the day after
    weekday: int | None = None  # 0 Monday
    week: int | None = None  # 0 this week, 1 next week
    hour: int | None = None
    minute: int = 0
    period: str | None = None
    seen: set[str] = field(default_factory=set)

    def put(self, name: str, value: object) -> bool:
        """Set one part; False when it was already set to something else."""
        current = getattr(self, name)
        if name in self.seen and current != value:
            return False
        self.seen.add(name)
        setattr(self, name, value)
        return True


def _distance_one(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _word(token: str) -> str:
    if token in _KNOWN or not token.isalpha():
        return token
    single = _DOUBLED.sub(r"\1", token)
    if single in _KNOWN:
        return single
    if len(single) >= 4:
        for known in _REPAIRABLE:
            if _distance_one(single, known):
                return known
    return single


def tokens(text: str) -> list[str]:
    return [_word(t) for t in _TOKEN.findall(fold(text[:MAX_INPUT]))]


class _Reader:
    """A left-to-right walk over the tokens, filling `_Parts`; `ok` turns False on nonsense."""

    def __init__(self, words: list[str]) -> None:
        self.w = words
        self.i = 0
        self.parts = _Parts()
        self.ok = True

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.w[j] if j < len(self.w) else ""

    def run(self) -> _Parts | None:
        while self.ok and self.i < len(self.w):
            token = self.w[self.i]
            self.i += 1
            if token.isdigit():
                self.number(int(token))
            else:
                self.word(token)
        return self.parts if self.ok and self.parts.seen else None

    def set(self, name: str, value: object) -> None:
        self.ok = self.ok and self.parts.put(name, value)

    def number(self, n: int) -> None:
        sep = self.peek()
        if sep in ("/", "-", ".") and self.peek(1).isdigit():
            self.i += 2
            self.date(n, int(self.w[self.i - 1]), sep)
        elif sep == "thang" and self.peek(1).isdigit():
            self.i += 2
            self.date(n, int(self.w[self.i - 1]), "nam")
        elif sep in _HOUR_MARKS:
            self.i += 1
            self.set("hour", n)
            if self.peek().isdigit():
                self.set("minute", int(self.peek()))
                self.i += 1
                if self.peek() in _MINUTE_MARKS:
                    self.i += 1
            elif self.peek() == "ruoi":
                self.set("minute", 30)
                self.i += 1
        elif (self.i >= 2 and self.w[self.i - 2] in ("luc", "vao")) or sep in PERIODS:
            self.set("hour", n)  # "lúc 9", "8 sáng"
        else:
            self.ok = False

    def date(self, day: int, month: int, sep: str) -> None:
        year: int | None = None
        if self.peek() == sep and self.peek(1).isdigit():
            year = int(self.peek(1))
            self.i += 2
            year = 2000 + year if year < 100 else year
        self.set("day", (day, month, year))

    def word(self, token: str) -> None:
        nxt = self.peek()
        if token == "thu":
            number = int(nxt) if nxt.isdigit() else None
            weekday = number - 2 if number is not None else _WEEKDAY_WORDS.get(nxt)
            self.i += 1
            if weekday is None or not 0 <= weekday <= 5:
                self.ok = False
                return
            self.set("weekday", weekday)
        elif token == "cn" or (token == "chu" and nxt == "nhat"):
            self.i += token == "chu"
            self.set("weekday", 6)
        elif token == "tuan":
            self.i += 1
            week = {"sau": 1, "toi": 1, "nay": 0}.get(nxt)
            self.ok = self.ok and week is not None
            self.set("week", week)
        elif token in PERIODS or token == "khuya":
            self.set("period", "dem" if token == "khuya" else token)
        elif token in ("nay", "mai", "mot", "kia"):
            if token == "kia" and self.i >= 2 and self.w[self.i - 2] == "hom":
                self.ok = False  # "hôm kia": two days ago
            self.set("offset", {"nay": 0, "mai": 1}.get(token, 2))
        elif token not in _FILLERS:
            self.ok = False


# (part of the day, lowest hour, highest hour, hours to add): "3 giờ chiều" → 15, "lúc 3 giờ"
# for a notice → the afternoon, not the night; "10 giờ đêm" → 22; "12 giờ đêm" → 0.
_SHIFTS = (
    (None, 1, 5, 12),
    ("chieu", 1, 11, 12),
    ("toi", 1, 11, 12),
    ("trua", 1, 2, 12),
    ("dem", 9, 11, 12),
    ("dem", 12, 12, -12),
)


def _clock_time(parts: _Parts) -> time | None:
    """The hour and minute, with the part of the day applied ("3 giờ chiều" → 15:00)."""
    if parts.hour is None:
        return PERIOD_DEFAULT.get(parts.period or "")
    hour, period = parts.hour, parts.period
    for when, low, high, shift in _SHIFTS:
        if when == period and low <= hour <= high:
            hour += shift
            break
    ranges = {"sang": (0, 12), "trua": (10, 14), "chieu": (12, 19), "toi": (17, 23)}
    low, high = ranges.get(period or "", (0, 23))
    if not low <= hour <= high or not 0 <= parts.minute <= 59 or hour > 23:
        return None
    return time(hour, parts.minute)


def _on(day: date, at: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _dated(parts: _Parts, at: time, now: datetime, tz: tzinfo) -> Reading | None:
    assert parts.day is not None
    dd, mm, year = parts.day
    try:
        if year is not None:
            when = _on(date(year, mm, dd), at, tz)
            return Reading(at=when if when > now else None, asked=when)
        for ahead in range(9):  # the next occurrence; 29/02 may be years away
            try:
                when = _on(date(now.year + ahead, mm, dd), at, tz)
            except ValueError:
                continue
            if when > now:
                return Reading(at=when, asked=when)
    except ValueError:
        return None
    return None


def _weekday(parts: _Parts, at: time, today: date, now: datetime, tz: tzinfo) -> Reading:
    assert parts.weekday is not None
    if parts.week is None:
        day = today + timedelta(days=(parts.weekday - today.weekday()) % 7)
        when = _on(day, at, tz)
        when = when if when > now else when + timedelta(days=7)  # "thứ 6": the coming one
        return Reading(at=when, asked=when)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=parts.week)
    when = _on(monday + timedelta(days=parts.weekday), at, tz)
    return Reading(at=when if when > now else None, asked=when)


def understand(text: str, *, now: datetime, tz: tzinfo) -> Reading | None:
    """What moment `text` names, read as described above; None when not understood."""
    parts = _Reader(tokens(text)).run()
    if parts is None:
        return None
    at = _clock_time(parts)
    if at is None or (parts.week is not None and parts.weekday is None):
        return None
    local_now = now.astimezone(tz)
    today = local_now.date()
    if parts.day is not None:
        reading = _dated(parts, at, local_now, tz)
    elif parts.weekday is not None:
        reading = _weekday(parts, at, today, local_now, tz)
    else:
        day = today + timedelta(days=parts.offset or 0)
        when = _on(day, at, tz)
        later = when if when > local_now else when + timedelta(days=1)
        reading = Reading(at=later, asked=when if parts.offset == 0 else later)
    if reading is None:
        return None
    # "thứ 6 ngày 11/12", "mai thứ 3": the day named twice must be the same day.
    if parts.weekday is not None and reading.asked.weekday() != parts.weekday:
        return None
    if parts.offset is not None and (reading.asked.date() - today).days != parts.offset:
        return None
    return reading


def read_when(text: str, *, now: datetime, tz: tzinfo) -> datetime | None:
    """The future moment `text` names, or None."""
    reading = understand(text, now=now, tz=tz)
    return reading.at if reading is not None else None


class Words(Protocol):
    def get(self, key: str, /, **context: object) -> str: ...


def _period_of(hour: int) -> str:
    if hour < 4 or hour >= 22:
        return "dem"
    if hour < 11:
        return "sang"
    if hour < 13:
        return "trua"
    if hour < 18:
        return "chieu"
    return "toi"


def in_words(when: datetime, *, now: datetime, tz: tzinfo, texts: Words) -> str:
    """ "8 giờ sáng mai, thứ Ba 08/12/2026"; "3 giờ 30 chiều, thứ Sáu 11/12/2026"."""
    local = when.astimezone(tz)
    hour12 = local.hour % 12 or 12
    days = (local.date() - now.astimezone(tz).date()).days
    key = "campaigns.when_words"
    return texts.get(
        f"{key}.format",
        hour=hour12,
        minute=local.minute,
        period=texts.get(f"{key}.period.{_period_of(local.hour)}"),
        relative=texts.get(f"{key}.relative.{days}") if 0 <= days <= 2 else "",
        weekday=texts.get(f"{key}.weekday.{local.weekday()}"),
        date=local.strftime("%d/%m/%Y"),
    )
