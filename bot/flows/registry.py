"""Named Python hooks that flow files refer to: `check`, `branch` and `action`.

- ``@check("name")``: ``(text, ctx) -> value | None``. None means "not valid, ask again".
- ``@branch("name")``: ``(ctx) -> step id``; must be one of the branch's `to:` steps.
- ``@action("name", sample=..., targets=...)``: ``(ctx) -> StepAction``, run when a step is
  reached; adds template variables and/or dynamic buttons. `sample` is what `bot content
  check` renders the step's text with; `targets` (optional) lists the steps its buttons and
  `goto` may lead to, for the diagrams and the content check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.flows.engine import FlowContext


@dataclass(frozen=True)
class DynamicButton:
    """A button computed at run time (search results, quiz answers...)."""

    label: str
    next: str | None = None
    value: str | None = None
    url: str | None = None
    flow: str | None = None


@dataclass
class StepAction:
    """What an action hook returns."""

    vars: dict[str, Any] = field(default_factory=dict)
    buttons: list[DynamicButton] | None = None
    # Jump straight to another step (e.g. nothing found → `not_found`).
    goto: str | None = None


CheckFn = Callable[[str, "FlowContext"], Any]
BranchFn = Callable[["FlowContext"], str]
ActionFn = Callable[["FlowContext"], StepAction]

CHECKS: dict[str, CheckFn] = {}
BRANCHES: dict[str, BranchFn] = {}
ACTIONS: dict[str, ActionFn] = {}
ACTION_SAMPLES: dict[str, Mapping[str, Any]] = {}
# Steps an action's dynamic buttons (or `goto`) may lead to, when declared: drawn in the
# diagrams and checked to exist, so a flow with computed buttons can still be reviewed.
ACTION_TARGETS: dict[str, tuple[str, ...]] = {}

C = TypeVar("C", bound=CheckFn)
B = TypeVar("B", bound=BranchFn)
A = TypeVar("A", bound=ActionFn)


def check(name: str) -> Callable[[C], C]:
    def register(fn: C) -> C:
        CHECKS[name] = fn
        return fn

    return register


def branch(name: str) -> Callable[[B], B]:
    def register(fn: B) -> B:
        BRANCHES[name] = fn
        return fn

    return register


def action(
    name: str, *, sample: Mapping[str, Any] | None = None, targets: tuple[str, ...] = ()
) -> Callable[[A], A]:
    def register(fn: A) -> A:
        ACTIONS[name] = fn
        ACTION_SAMPLES[name] = dict(sample or {})
        ACTION_TARGETS[name] = targets
        return fn

    return register
