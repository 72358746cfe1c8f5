"""Named Python hooks that flow files refer to: `check`, `branch` and `action`.

Each feature keeps its own `Hooks` (``HOOKS = Hooks()``) and registers with its decorators:

- ``@HOOKS.check("name")``: ``(text, ctx) -> value | None``. None means "not valid, ask again".
- ``@HOOKS.branch("name")``: ``(ctx) -> step id``; must be one of the branch's `to:` steps.
- ``@HOOKS.action("name", sample=..., targets=...)``: ``(ctx) -> StepAction``, run when a step is
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

C = TypeVar("C", bound=CheckFn)
B = TypeVar("B", bound=BranchFn)
A = TypeVar("A", bound=ActionFn)


@dataclass
class Hooks:
    """The hooks one feature offers its flows, registered with its decorators, e.g.
    ``HOOKS = Hooks()`` then ``@HOOKS.check("phone")``. `Hooks.merge` joins features'."""

    checks: dict[str, CheckFn] = field(default_factory=dict)
    branches: dict[str, BranchFn] = field(default_factory=dict)
    actions: dict[str, ActionFn] = field(default_factory=dict)
    samples: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    # Steps an action's dynamic buttons (or `goto`) may lead to, when declared: drawn in the
    # diagrams and checked to exist, so a flow with computed buttons can still be reviewed.
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def check(self, name: str) -> Callable[[C], C]:
        def register(fn: C) -> C:
            self.checks[name] = fn
            return fn

        return register

    def branch(self, name: str) -> Callable[[B], B]:
        def register(fn: B) -> B:
            self.branches[name] = fn
            return fn

        return register

    def action(
        self, name: str, *, sample: Mapping[str, Any] | None = None, targets: tuple[str, ...] = ()
    ) -> Callable[[A], A]:
        def register(fn: A) -> A:
            self.actions[name] = fn
            self.samples[name] = dict(sample or {})
            self.targets[name] = targets
            return fn

        return register

    @classmethod
    def merge(cls, *parts: Hooks) -> Hooks:
        """One set of hooks from several; a name offered twice is a programming error."""
        out = cls()
        for part in parts:
            clash = (
                (out.checks.keys() & part.checks.keys())
                | (out.branches.keys() & part.branches.keys())
                | (out.actions.keys() & part.actions.keys())
            )
            if clash:
                raise ValueError(f"flow hooks defined twice: {', '.join(sorted(clash))}")
            out.checks.update(part.checks)
            out.branches.update(part.branches)
            out.actions.update(part.actions)
            out.samples.update(part.samples)
            out.targets.update(part.targets)
        return out
