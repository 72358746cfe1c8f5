"""The shape of a flow file. Unknown keys are errors (a misspelt `buton:` must not pass)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.text.normalize import normalize

STEP_ID = r"^[a-z][a-z0-9_]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ButtonSpec(_Strict):
    """A button: go to a step, start another flow, open a link, or call a number."""

    label: str = Field(min_length=1)
    next: str | None = None
    flow: str | None = None
    url: str | None = Field(default=None, pattern=r"^https://")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .]{3,20}$")
    # Saved under the step's `save_as` when this button is chosen.
    value: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ButtonSpec:
        targets = [t for t in (self.next, self.flow, self.url, self.phone) if t is not None]
        if len(targets) != 1:
            msg = f"button '{self.label}' needs exactly one of next, flow, url, phone"
            raise ValueError(msg)
        return self


class BranchSpec(_Strict):
    by: str  # a function registered with @branch
    to: tuple[str, ...] = Field(min_length=1)  # every step it may choose


class AnswerSpec(_Strict):
    """Free text a step understands: any of `means` (words or phrases, matched without
    diacritics, small typos allowed) leads to step `next`."""

    means: tuple[str, ...] = Field(min_length=1)
    next: str


class StepSpec(_Strict):
    say: str
    # What officials read for this step on the dashboard (funnels); `bot content check`
    # reports a step without one.
    title: str | None = Field(default=None, min_length=1, max_length=60)
    buttons: tuple[ButtonSpec, ...] = ()
    # A hook run when the step is reached: adds template variables and/or dynamic buttons.
    action: str | None = None
    expect: Literal["button", "text"] = "button"
    check: str | None = None
    invalid: str | None = None
    save_as: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    next: str | None = None
    branch: BranchSpec | None = None
    end: bool = False
    # Offer "quay lại"/"menu" buttons automatically (on by default for button steps).
    nav: bool = True
    # What a resident may type instead of pressing a button (read before any new topic).
    answers: tuple[AnswerSpec, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> StepSpec:
        if self.expect == "text" and self.check is None and self.save_as is None:
            msg = "a text step needs `check` or `save_as`"
            raise ValueError(msg)
        if self.next is not None and self.branch is not None:
            msg = "a step has `next` or `branch`, not both"
            raise ValueError(msg)
        return self


class FlowSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: str
    # A short name for the dashboard's tables and charts (the title when not given).
    short: str | None = Field(default=None, max_length=40)
    description: str = ""
    start: str
    # Ask "was this helpful?" when an end step is reached.
    feedback: bool = True
    steps: dict[str, StepSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _links(self) -> FlowSpec:
        problems: list[str] = []
        known = set(self.steps)
        if self.start not in known:
            problems.append(f"start step '{self.start}' does not exist")
        for step_id, step in self.steps.items():
            targets: list[str] = [b.next for b in step.buttons if b.next is not None]
            if step.next is not None:
                targets.append(step.next)
            if step.branch is not None:
                targets.extend(step.branch.to)
            targets.extend(a.next for a in step.answers)
            problems.extend(_answer_problems(step_id, step))
            problems.extend(
                f"step '{step_id}' points to missing step '{t}'" for t in targets if t not in known
            )

            if not re.match(STEP_ID, step_id):
                problems.append(f"step id '{step_id}' must be lower_snake_case")
            dead_end = not (step.end or step.buttons or step.next or step.branch or step.action)
            if dead_end:
                problems.append(f"step '{step_id}' is a dead end (no buttons, next, branch, end)")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _answer_problems(step_id: str, step: StepSpec) -> list[str]:
    """Answers are read only while the step waits for the resident, and a phrase means one
    thing at a step."""
    if not step.answers:
        return []
    if step.end:
        return [f"step '{step_id}' ends the flow: its `answers` would never be read"]
    seen: dict[str, str] = {}
    problems: list[str] = []
    for answer in step.answers:
        for phrase in answer.means:
            folded = normalize(phrase)
            other = seen.setdefault(folded, answer.next)
            if other != answer.next:
                problems.append(
                    f"step '{step_id}': phrase {phrase!r} leads to both '{other}' and "
                    f"'{answer.next}'"
                )
    return problems
