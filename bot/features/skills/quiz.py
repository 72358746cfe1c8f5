"""One run through a lesson's quiz, kept in the conversation's saved data between turns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.features.skills.lessons import Lesson, Question

PASSED = "passed"
FAILED = "failed"
# Passed, and with it every skill: shown once, when the last skill is passed.
MASTERED = "mastered"


@dataclass
class Marked:
    """The verdict on one answer."""

    question: Question
    right: bool
    last: bool


@dataclass
class QuizRun:
    skill: str
    position: int = 0  # index of the question waiting for an answer
    score: int = 0
    outcome: str | None = None  # set once the last answer is in

    @classmethod
    def from_data(cls, data: Any) -> QuizRun | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                skill=str(data["skill"]),
                position=int(data.get("position", 0)),
                score=int(data.get("score", 0)),
                outcome=data.get("outcome"),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def current(self, lesson: Lesson) -> Question | None:
        questions = lesson.quiz.questions
        return questions[self.position] if self.position < len(questions) else None

    def answer(self, lesson: Lesson, position: int, choice: int) -> Marked | None:
        """Mark `choice` (1-based) for the question at `position`; None when that question
        is not the one waiting (an answer tapped twice, or on an older message)."""
        question = self.current(lesson)
        if self.finished or question is None or position != self.position:
            return None
        if not 1 <= choice <= len(question.answers):
            return None
        right = choice == question.correct
        self.score += int(right)
        self.position += 1
        last = self.position >= len(lesson.quiz.questions)
        return Marked(question=question, right=right, last=last)

    def passed(self, lesson: Lesson) -> bool:
        return self.score >= lesson.quiz.pass_mark


def encode_choice(position: int, choice: int) -> str:
    """The value an answer button carries: which question it answers, and which answer."""
    return f"{position}:{choice}"


def decode_choice(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, str) or value.count(":") != 1:
        return None
    left, right = value.split(":")
    if not (left.isdigit() and right.isdigit()):
        return None
    return int(left), int(right)
