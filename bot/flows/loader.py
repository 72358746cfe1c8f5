"""Reading and validating flow files: every problem listed at once; the hooks they name exist."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.flows.registry import Hooks
from bot.flows.schema import FlowSpec, StepSpec
from bot.texts import load_model

if TYPE_CHECKING:
    pass


class FlowLoadError(ValueError):
    """Flow files cannot be loaded; the message lists every problem."""


def load_flow_files(flows_dir: Path, hooks: Hooks | None) -> dict[str, FlowSpec]:
    """Read and validate every flow file; `FlowLoadError` lists all problems at once.
    With `hooks` None the hooks the flows name are not checked (for reading titles)."""
    flows: dict[str, FlowSpec] = {}
    problems: list[str] = []
    for path in sorted(flows_dir.glob("*.yaml")):
        spec, found = load_model(path, FlowSpec, path.name)
        if spec is None:
            problems.extend(found)
            continue
        if spec.id in flows:
            problems.append(f"{path.name}: flow id '{spec.id}' is used twice")
        if path.stem != spec.id:
            problems.append(f"{path.name}: the file name must be the flow id ('{spec.id}.yaml')")
        if hooks is not None:
            problems.extend(f"{path.name}: {p}" for p in hook_problems(spec, hooks))
        flows[spec.id] = spec
    for spec in flows.values():
        for step_id, step in spec.steps.items():
            for button in step.buttons:
                if button.flow is not None and button.flow not in flows:
                    problems.append(
                        f"{spec.id}.yaml: step '{step_id}' starts unknown flow '{button.flow}'"
                    )
    if problems:
        raise FlowLoadError("\n".join(problems))
    return flows


def hook_problems(flow: FlowSpec, hooks: Hooks) -> list[str]:
    out: list[str] = []
    for step_id, step in flow.steps.items():
        if step.check is not None and step.check not in hooks.checks:
            out.append(f"step '{step_id}': unknown check '{step.check}'")
        if step.branch is not None and step.branch.by not in hooks.branches:
            out.append(f"step '{step_id}': unknown branch '{step.branch.by}'")
        if step.action is not None and step.action not in hooks.actions:
            out.append(f"step '{step_id}': unknown action '{step.action}'")
        elif step.action is not None:
            out.extend(
                f"step '{step_id}': action '{step.action}' leads to step '{target}', "
                "which this flow does not have"
                for target in hooks.targets.get(step.action, ())
                if target not in flow.steps
            )
    return out


def sample_context(flow: FlowSpec, step: StepSpec, hooks: Hooks) -> dict[str, Any]:
    """What `bot content check` renders each step with."""
    data: dict[str, Any] = {}
    for other in flow.steps.values():
        if other.save_as:
            data[other.save_as] = "mẫu"
    context: dict[str, Any] = {"name": "Bác Ba", "commune": "Xã Mẫu", "data": data}
    if step.action is not None:
        context.update(hooks.samples.get(step.action, {}))
    return context
