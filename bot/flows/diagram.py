"""Draw a flow as a Mermaid diagram, so officials can review it (docs/flows/*.mmd)."""

from __future__ import annotations

from bot.flows.registry import Hooks
from bot.flows.schema import FlowSpec


def _label(text: str, limit: int = 48) -> str:
    first = " ".join(text.strip().split("\n")[0].split())
    if len(first) > limit:
        first = first[: limit - 1] + "…"
    return first.replace('"', "'").replace("{", "(").replace("}", ")")


def to_mermaid(flow: FlowSpec, hooks: Hooks) -> str:
    lines = [f"%% {flow.title} — generated from bot/content/flows/{flow.id}.yaml", "flowchart TD"]
    for step_id, step in flow.steps.items():
        shape = (
            ("([", "])") if step.end else (("[/", "/]") if step.expect == "text" else ("[", "]"))
        )
        lines.append(f'    {step_id}{shape[0]}"{step_id}: {_label(step.say)}"{shape[1]}')
    lines.append(f"    START(( )) --> {flow.start}")
    for step_id, step in flow.steps.items():
        for button in step.buttons:
            label = _label(button.label, 30)
            if button.next:
                lines.append(f'    {step_id} -- "{label}" --> {button.next}')
            elif button.flow:
                lines.append(
                    f'    {step_id} -- "{label}" --> flow_{button.flow}[["flow: {button.flow}"]]'
                )
        if step.action:
            targets = hooks.targets.get(step.action, ())
            if not targets:
                lines.append(f'    {step_id} -. "action: {step.action}" .- {step_id}')
            for target in targets:
                lines.append(f'    {step_id} -. "{step.action}" .-> {target}')
        for answer in step.answers:
            said = _label(answer.means[0], 24)
            lines.append(f'    {step_id} -. "gõ: {said}" .-> {answer.next}')
        if step.next:
            lines.append(f"    {step_id} --> {step.next}")
        if step.branch:
            for target in step.branch.to:
                lines.append(f'    {step_id} -. "{step.branch.by}" .-> {target}')
    return "\n".join(lines) + "\n"
