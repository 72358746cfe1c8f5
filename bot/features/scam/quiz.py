"""The "Thử tài nhận diện lừa đảo" quiz: questions from `content/scam/quiz.yaml`.

State is tiny and explicit so a flow can keep it in its saved data: the order of item
ids and the score. `QuizRound.answer` returns the reply text and the next state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.features.scam.content import Quiz, QuizItem
from bot.text.normalize import fold
from bot.texts import render

DEFAULT_QUESTIONS = 5


@dataclass
class QuizRound:
    """One resident's round: which items, in which order, how far, how many right."""

    order: list[str]
    position: int = 0
    score: int = 0
    answered: list[bool] = field(default_factory=list)

    @classmethod
    def start(
        cls, quiz: Quiz, *, questions: int = DEFAULT_QUESTIONS, seed: int | None = None
    ) -> QuizRound:
        ids = [item.id for item in quiz.items]
        random.Random(seed).shuffle(ids)
        return cls(order=ids[: max(1, min(questions, len(ids)))])

    @property
    def finished(self) -> bool:
        return self.position >= len(self.order)

    def current(self, quiz: Quiz) -> QuizItem:
        return _item(quiz, self.order[self.position])

    def question(self, quiz: Quiz) -> str:
        """The text of the current question (buttons: `quiz.buttons`)."""
        item = self.current(quiz)
        return render(
            quiz.question,
            {"number": self.position + 1, "total": len(self.order), "text": item.text},
        )

    def answer(self, quiz: Quiz, reply: str) -> str | None:
        """Grade `reply` (a button label or words like "lừa đảo"/"thật"); None if unclear."""
        choice = parse_choice(quiz, reply)
        if choice is None or self.finished:
            return None
        item = self.current(quiz)
        right = choice == item.answer
        self.score += int(right)
        self.answered.append(right)
        self.position += 1
        verdict = quiz.correct if right else quiz.wrong
        lines = [verdict, item.explanation]
        if self.position >= len(self.order):
            lines.append(render(quiz.finished, {"score": self.score, "total": len(self.order)}))
        return "\n".join(lines)

    def to_data(self) -> dict[str, object]:
        """Plain JSON data for a flow's saved state."""
        return {
            "order": list(self.order),
            "position": self.position,
            "score": self.score,
            "answered": list(self.answered),
        }

    @classmethod
    def from_data(cls, data: dict[str, object]) -> QuizRound:
        order = data.get("order")
        answered = data.get("answered")
        position = data.get("position")
        score = data.get("score")
        return cls(
            order=[str(x) for x in order] if isinstance(order, list) else [],
            position=position if isinstance(position, int) else 0,
            score=score if isinstance(score, int) else 0,
            answered=[bool(x) for x in answered] if isinstance(answered, list) else [],
        )


def parse_choice(quiz: Quiz, reply: str) -> str | None:
    """ "scam" or "legit" from a button label or a typed answer."""
    folded = fold(reply).strip()
    for choice, label in quiz.buttons.items():
        if folded == fold(label):
            return choice
    if any(word in folded for word in ("khong lua", "khong phai lua", "binh thuong", "legit")):
        return "legit"
    if any(word in folded for word in ("lua", "gia mao", "scam")):
        return "scam"
    if "that" in folded.split():
        return "legit"
    return None


def _item(quiz: Quiz, item_id: str) -> QuizItem:
    for item in quiz.items:
        if item.id == item_id:
            return item
    msg = f"no quiz item '{item_id}'"
    raise KeyError(msg)
