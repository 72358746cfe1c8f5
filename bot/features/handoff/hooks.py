"""Hooks of the `handoff` flow: the resident's side of reaching a team member.

The ticket itself, the team members' side and human mode live in `bot.features.handoff.common`.
"""

from __future__ import annotations

from bot.features.handoff.common import when_label
from bot.features.handoff.tickets import cancel_request, create_request
from bot.features.org.orgfile import match_village
from bot.flows.buttons import match_choice
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.text.normalize import nfc, normalize, words
from bot.text.privacy import redact
from db import handoff as tickets
from db import org, residents
from db.models.handoff import NEED_MAX, WHEN_HOME_MAX
from db.models.org import Village

NO_VILLAGE = "none"
MAX_VILLAGE_LABEL = 40


def _cleaned(text: str, limit: int) -> str:
    return redact(nfc(text).strip()).text[:limit].strip()


def _chosen_village(ctx: FlowContext) -> Village | None:
    raw = str(ctx.data.get("village") or "")
    if not raw.isdigit():
        return None
    return org.village_by_id(ctx.turn.session, village_id=int(raw))


HOOKS = Hooks()


@HOOKS.action("handoff_entry", sample={})
def entry(ctx: FlowContext) -> StepAction:
    """A resident whose request is still waiting sees it (and can cancel) instead of a new form."""
    resident = ctx.turn.resident
    if resident is None or resident.id is None:
        return StepAction()
    waiting = tickets.active_for_resident(ctx.turn.session, resident_id=resident.id)
    return StepAction(goto="already_open") if waiting is not None else StepAction()


@HOOKS.check("handoff_need")
def need(text: str, ctx: FlowContext) -> str | None:
    """What the resident needs: some words, redacted, at most 500 characters."""
    cleaned = _cleaned(text, NEED_MAX)
    if len(cleaned) < 3 or not any(w.isalpha() for w in words(cleaned)):
        return None
    if ctx.turn.services.router.global_command(cleaned) is not None:
        return None  # "kết thúc" and the like are not a request
    return cleaned


@HOOKS.check("handoff_when_home")
def when_home(text: str, ctx: FlowContext) -> str | None:
    """A button typed by its label or a word of it ("chieu", "bo qua"), else the resident's
    own words ("chiều thứ Bảy")."""
    step = ctx.flow.steps[ctx.state.step_id or ""]
    labels = [b.label for b in step.buttons]
    index = match_choice(text, labels)
    if index is None:
        typed = normalize(text)
        hits = [i for i, label in enumerate(labels) if typed and typed in normalize(label).split()]
        index = hits[0] if len(hits) == 1 else None
    if index is not None:
        return step.buttons[index].value or labels[index]
    return _cleaned(text, WHEN_HOME_MAX) or None


@HOOKS.action("handoff_villages", sample={})
def villages(ctx: FlowContext) -> StepAction:
    """The commune's villages as buttons; skipped when the resident's village is known."""
    resident = ctx.turn.resident
    if resident is not None and resident.village_id is not None:
        ctx.data["village"] = str(resident.village_id)
        return StepAction(goto="confirm")
    rows = org.villages(ctx.turn.session)
    if not rows:
        ctx.data["village"] = NO_VILLAGE
        return StepAction(goto="confirm")
    return StepAction(
        buttons=[
            DynamicButton(label=v.name[:MAX_VILLAGE_LABEL], next="confirm", value=str(v.id))
            for v in rows
        ]
    )


@HOOKS.check("handoff_village")
def village(text: str, ctx: FlowContext) -> str | None:
    """A village name or alias, typos allowed ("thon 1", "trung hao"), else a typed button:
    its number or its label ("không rõ")."""
    if not text.strip().rstrip(".)").isdigit():
        found = match_village(org.villages(ctx.turn.session), text)
        if found is not None:
            return str(found.id)
    step = ctx.flow.steps[ctx.state.step_id or ""]
    options = [(str(b["label"]), str(b.get("value"))) for b in ctx.data.get("_dyn") or []]
    options += [(b.label, b.value or NO_VILLAGE) for b in step.buttons]
    index = match_choice(text, [label for label, _ in options])
    return options[index][1] if index is not None else None


@HOOKS.action("handoff_summary", sample={"place": "Thôn Đông", "when": "buổi chiều"})
def summary(ctx: FlowContext) -> StepAction:
    chosen = _chosen_village(ctx)
    when = when_label(ctx.turn.texts, ctx.data.get("when_home"))
    return StepAction(vars={"place": chosen.name if chosen else "", "when": when})


@HOOKS.action(
    "handoff_create",
    sample={"ticket": 12, "recipients": 2, "place": "Thôn Đông", "hotline": "0210 3888 123"},
)
def create(ctx: FlowContext) -> StepAction:
    """Open the ticket and notify the team (once: a second tap finds the request waiting)."""
    turn = ctx.turn
    resident = turn.resident
    assert resident is not None and resident.id is not None
    session = turn.session
    if tickets.active_for_resident(session, resident_id=resident.id) is not None:
        return StepAction(goto="already_open")
    chosen = _chosen_village(ctx)
    if chosen is not None and resident.village_id is None:
        residents.set_village(session, resident=resident, village_id=chosen.id)
    when = ctx.data.get("when_home")
    ticket, notified, from_village = create_request(
        turn,
        need=str(ctx.data.get("need") or ""),
        when_home=str(when) if when else None,
        village_id=chosen.id if chosen is not None else None,
    )
    ctx.data["ticket"] = ticket.id
    commune = org.commune(session)
    return StepAction(
        vars={
            "ticket": ticket.id,
            "recipients": len(notified),
            "place": chosen.name if chosen is not None and from_village else "",
            "hotline": (commune.hotline if commune is not None else None) or "",
        }
    )


@HOOKS.action(
    "handoff_current",
    sample={"ticket": 12, "sent_at": "9:05 hôm nay", "need": "cài VNeID cho mẹ"},
)
def current(ctx: FlowContext) -> StepAction:
    resident = ctx.turn.resident
    assert resident is not None and resident.id is not None
    ticket = tickets.active_for_resident(ctx.turn.session, resident_id=resident.id)
    if ticket is None:
        return StepAction(goto="need")
    local = ticket.created_at.astimezone(ctx.turn.services.settings.tz)
    today = ctx.turn.now.astimezone(ctx.turn.services.settings.tz).date()
    when = f"{local:%H:%M}" if local.date() == today else f"{local:%H:%M %d/%m}"
    return StepAction(vars={"ticket": ticket.id, "sent_at": when, "need": ticket.need})


@HOOKS.action("handoff_cancel", sample={"message": "Dạ, mình đã hủy yêu cầu gặp cán bộ."})
def cancel(ctx: FlowContext) -> StepAction:
    return StepAction(vars={"message": cancel_request(ctx.turn)})
