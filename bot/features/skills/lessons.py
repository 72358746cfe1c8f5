"""The lessons of the 5 basic digital skills: `content/lessons/<skill>.yaml`, one per skill.

Each file holds the skill's short lesson (a few pages) and its quiz (3–5 questions of 2–4
answers, the right answer, an explanation shown after each answer, and the pass mark).
Unknown keys are errors, so a misspelt `corect:` cannot slip through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import TemplateError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.text.normalize import normalize
from bot.texts import load_model, render
from bot.zalo.messages import MAX_SUBTITLE

LESSONS_DIR = "lessons"
MAX_LABEL = 30
# Links in lessons open official sites only: state bodies' addresses end in .gov.vn.
OFFICIAL_SUFFIX = ".gov.vn"
# What lesson texts may use, with the values `bot content check` renders them with.
SAMPLE: dict[str, Any] = {"name": "Bác Ba", "commune": "Xã Mẫu"}


class LessonError(ValueError):
    """Lesson files cannot be loaded; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Strict):
    """A button under a lesson page: an official website or a phone number."""

    label: str = Field(min_length=1, max_length=MAX_LABEL)
    url: str | None = Field(default=None, pattern=r"^https://")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .]{3,20}$")

    @model_validator(mode="after")
    def _one_target(self) -> Link:
        if (self.url is None) == (self.phone is None):
            msg = f"link '{self.label}' needs exactly one of url, phone"
            raise ValueError(msg)
        if self.url is not None:
            host = (urlsplit(self.url).hostname or "").lower()
            if not (host == OFFICIAL_SUFFIX[1:] or host.endswith(OFFICIAL_SUFFIX)):
                msg = f"link '{self.label}' must open an official site (…{OFFICIAL_SUFFIX})"
                raise ValueError(msg)
        return self


class Page(_Strict):
    text: str = Field(min_length=1)
    links: tuple[Link, ...] = Field(default=(), max_length=2)


class Question(_Strict):
    question: str = Field(min_length=1)
    answers: tuple[str, ...] = Field(min_length=2, max_length=4)
    # The number of the right answer: 1 for the first.
    correct: int = Field(ge=1)
    explain: str = Field(min_length=1)

    @field_validator("answers")
    @classmethod
    def _short_distinct(cls, answers: tuple[str, ...]) -> tuple[str, ...]:
        for answer in answers:
            if not answer.strip() or len(answer) > MAX_LABEL:
                msg = f"answer {answer!r} must be 1–{MAX_LABEL} characters (it is a button)"
                raise ValueError(msg)
        if len({normalize(a) for a in answers}) != len(answers):
            msg = "two answers read the same"
            raise ValueError(msg)
        return answers

    @model_validator(mode="after")
    def _correct_exists(self) -> Question:
        if self.correct > len(self.answers):
            msg = f"correct: {self.correct}, but there are only {len(self.answers)} answers"
            raise ValueError(msg)
        return self


class Quiz(_Strict):
    # Right answers needed to pass.
    pass_mark: int = Field(ge=1)
    questions: tuple[Question, ...] = Field(min_length=3, max_length=5)

    @model_validator(mode="after")
    def _reachable(self) -> Quiz:
        if self.pass_mark > len(self.questions):
            msg = f"pass_mark {self.pass_mark} is more than the {len(self.questions)} questions"
            raise ValueError(msg)
        return self


class Lesson(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    # Position in the list of the five skills (1 = first).
    number: int = Field(ge=1, le=20)
    # Shown in headings such as "📘 Bài 3: <title> (1/3)", which Zalo cuts at 100 characters.
    title: str = Field(min_length=1, max_length=60)
    # The lesson's button ("1. Dịch vụ công trực tuyến").
    label: str = Field(min_length=1, max_length=MAX_LABEL)
    # Phrases that mean a question is about this skill ("mua hàng online"): opens the lesson.
    cues: tuple[str, ...] = ()
    pages: tuple[Page, ...] = Field(min_length=1, max_length=8)
    quiz: Quiz


@dataclass(frozen=True)
class Lessons:
    """Every lesson, in the order of their numbers."""

    items: tuple[Lesson, ...]

    def get(self, skill: str) -> Lesson | None:
        return next((lesson for lesson in self.items if lesson.id == skill), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(lesson.id for lesson in self.items)

    def about(self, query: str) -> Lesson | None:
        """The lesson whose longest cue appears in `query` (whole words, folded)."""
        folded = f" {normalize(query)} "
        best: tuple[int, Lesson] | None = None
        for lesson in self.items:
            for cue in lesson.cues:
                phrase = normalize(cue)
                if phrase and f" {phrase} " in folded and (best is None or len(phrase) > best[0]):
                    best = (len(phrase), lesson)
        return best[1] if best else None


def _read(folder: Path) -> tuple[Lessons, list[str]]:
    lessons: list[Lesson] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        where = f"{LESSONS_DIR}/{path.name}"
        lesson, found = load_model(path, Lesson, where)
        if lesson is None:
            problems.extend(found)
            continue
        if lesson.id != path.stem:
            problems.append(f"{where}: the file name must be the lesson id ('{lesson.id}.yaml')")
        lessons.append(lesson)
    numbers = sorted(lesson.number for lesson in lessons)
    if not lessons:
        problems.append(f"{LESSONS_DIR}/: no lesson files")
    elif numbers != list(range(1, len(lessons) + 1)):
        problems.append(
            f"{LESSONS_DIR}/: lesson numbers must be 1, 2, 3 … without gaps or repeats "
            f"(found {', '.join(map(str, numbers))})"
        )
    return Lessons(tuple(sorted(lessons, key=lambda lesson: lesson.number))), problems


@lru_cache(maxsize=8)
def _load(folder: Path, stamp: tuple[tuple[str, int], ...]) -> Lessons:
    del stamp  # part of the cache key: edited files are read again
    lessons, problems = _read(folder)
    if problems:
        raise LessonError("\n".join(problems))
    return lessons


def load_lessons(content_dir: Path) -> Lessons:
    """The lessons under `content_dir`; `LessonError` lists every problem at once."""
    folder = content_dir / LESSONS_DIR
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))
    return _load(folder, stamp)


def _text_problems(where: str, source: str) -> list[str]:
    """The text renders, and fits under the heading of one Zalo message (one paragraph)."""
    try:
        text = render(source, SAMPLE)
    except TemplateError as exc:
        return [f"{where}: template error: {exc}"]
    if len(text) > MAX_SUBTITLE:
        return [
            f"{where}: {len(text)} characters; keep it under {MAX_SUBTITLE} so it shows as one "
            "message (split a long page into two pages)"
        ]
    if re.search(r"\n\s*\n", text):
        return [f"{where}: has an empty line; remove it so the text stays in one message"]
    return []


def content_problems(content_dir: Path) -> list[str]:
    """For `bot content check`: schema, numbering, and every text renders within limits."""
    lessons, problems = _read(content_dir / LESSONS_DIR)
    for lesson in lessons.items:
        where = f"{LESSONS_DIR}/{lesson.id}.yaml"
        for i, page in enumerate(lesson.pages, start=1):
            problems.extend(_text_problems(f"{where}: page {i}", page.text))
        for i, question in enumerate(lesson.quiz.questions, start=1):
            problems.extend(_text_problems(f"{where}: question {i}", question.question))
            problems.extend(_text_problems(f"{where}: question {i} explain", question.explain))
    return problems


def skill_list(content_dir: Path) -> tuple[tuple[str, str], ...]:
    """(id, title) of each lesson of the 5 basic digital skills, for the statistics."""
    lessons = load_lessons(content_dir)
    return tuple((lesson.id, lesson.title) for lesson in lessons.items)
