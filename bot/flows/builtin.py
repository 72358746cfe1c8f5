"""Hooks any flow may use."""

from __future__ import annotations

from bot.flows.engine import FlowContext
from bot.flows.registry import Hooks
from bot.flows.topics import match_topic, topics_for
from bot.text.normalize import nfc
from bot.text.privacy import redact

HOOKS = Hooks()


@HOOKS.check("free_text")
def free_text(text: str, ctx: FlowContext) -> str | None:
    """Any non-empty text, redacted and trimmed to 500 characters."""
    del ctx
    cleaned = redact(nfc(text).strip()).text
    return cleaned[:500] if cleaned else None


@HOOKS.branch("by_topic")
def by_topic(ctx: FlowContext) -> str:
    """The step the resident's question is about (content/topics/<flow>.yaml), else the
    first step of the branch's `to:` list."""
    step = ctx.flow.steps[ctx.state.step_id or ""]
    assert step.branch is not None
    targets = step.branch.to
    pairs = topics_for(ctx.turn.services.settings.content_dir, ctx.flow.id)
    found = match_topic(str(ctx.data.get("query") or ""), pairs)
    return found if found in targets else targets[0]
