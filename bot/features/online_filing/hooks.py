"""Hooks of the guided filing flows (`flows/nop_*.yaml`): every numbered step, "bị kẹt",
"nhờ tổ công nghệ giúp", "đã nộp xong" and the dossier code are recorded in `online_filing`."""

from __future__ import annotations

import re

from bot.features.handoff.tickets import create_request
from bot.features.online_filing import common
from bot.flows.buttons import match_choice
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.text.normalize import nfc
from bot.text.privacy import redact
from db import handoff as tickets
from db import online_filing as rows
from db import org
from db.models import OnlineFiling
from db.models.online_filing import DOSSIER_CODE_MAX

HOOKS = Hooks()

STEPS = ("buoc_1", "buoc_2", "buoc_3", "buoc_4", "buoc_5")
STUCK_SUFFIX = "_ket"
# A dossier code: letters, digits and . - _ / (no spaces), 4 to 40 characters.
DOSSIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{3,39}")
SAMPLE = {"procedure": "Đăng ký khai sinh", "step_title": "Mở VNeID và đăng nhập"}


def _resident_id(ctx: FlowContext) -> int:
    resident = ctx.turn.resident
    assert resident is not None and resident.id is not None
    return resident.id


def _filing(ctx: FlowContext, *, create: bool = True) -> OnlineFiling | None:
    """The resident's filing in this flow: the open one, else a new one for the procedure
    in the flow's data (after a "quay lại nộp hồ sơ" from another flow the data is gone)."""
    turn = ctx.turn
    found = rows.resumable(turn.session, resident_id=_resident_id(ctx), flow=ctx.flow.id)
    code = str(ctx.data.get("procedure") or "")
    if found is not None and (not code or found.procedure == code):
        ctx.data["procedure"] = found.procedure
        return found
    if not code or not create:
        return None
    resident = turn.resident
    assert resident is not None
    return rows.start(
        turn.session,
        resident_id=_resident_id(ctx),
        village_id=resident.village_id,
        flow=ctx.flow.id,
        procedure=code,
        step=ctx.state.step_id or "check",
        now=turn.now,
    )


def _names(ctx: FlowContext, filing: OnlineFiling) -> dict[str, str]:
    fam = common.family(ctx.turn.services, ctx.flow.id)
    return {
        "procedure": common.procedure_title(ctx.turn.services, filing.procedure),
        "step_title": fam.steps.get(filing.step, filing.step) if fam else filing.step,
    }


@HOOKS.action("online_begin", sample={}, targets=("resume",))
def begin(ctx: FlowContext) -> StepAction:
    """A resident with an unfinished filing in this flow is offered to go on from there."""
    found = rows.resumable(ctx.turn.session, resident_id=_resident_id(ctx), flow=ctx.flow.id)
    if found is not None and found.step_index >= 1:
        return StepAction(goto="resume")
    return StepAction()


@HOOKS.action("online_resume", sample=SAMPLE, targets=STEPS)
def resume(ctx: FlowContext) -> StepAction:
    found = _filing(ctx, create=False)
    if found is None or found.step not in ctx.flow.steps:
        return StepAction(goto="choose")
    label = f"Làm tiếp bước {found.step_index}"
    return StepAction(vars=_names(ctx, found), buttons=[DynamicButton(label, next=found.step)])


@HOOKS.action(
    "online_ready", sample={"procedure": "Đăng ký khai sinh", "documents": ["Giấy chứng sinh"]}
)
def ready(ctx: FlowContext) -> StepAction:
    """The before-filing check: the filing starts here, with the card's documents."""
    filing = _filing(ctx)
    if filing is None:
        return StepAction(goto="choose")
    found = common.procedure(ctx.turn.services, filing.procedure)
    documents = [d.name for d in found.documents[:6]] if found is not None else []
    return StepAction(vars={**_names(ctx, filing), "documents": documents})


def _at(ctx: FlowContext, step: str) -> OnlineFiling | None:
    filing = _filing(ctx)
    if filing is None:
        return None
    fam = common.family(ctx.turn.services, ctx.flow.id)
    index = fam.index(step) if fam else 0
    rows.at_step(ctx.turn.session, filing, step=step, index=index, now=ctx.turn.now)
    return filing


@HOOKS.action("online_step", sample={}, targets=("choose",))
def step(ctx: FlowContext) -> StepAction:
    """A numbered step reached: its quiet clock starts (see the follow-up job)."""
    if _at(ctx, ctx.state.step_id or "") is None:
        return StepAction(goto="choose")
    return StepAction()


@HOOKS.action("online_stuck", sample={}, targets=("choose",))
def stuck(ctx: FlowContext) -> StepAction:
    """ "Bị kẹt ở đây": recorded against the numbered step."""
    base = (ctx.state.step_id or "").removesuffix(STUCK_SUFFIX)
    filing = _at(ctx, base)
    if filing is None:
        return StepAction(goto="choose")
    rows.stuck(ctx.turn.session, filing, step=base, now=ctx.turn.now)
    return StepAction()


@HOOKS.action(
    "online_help",
    sample={**SAMPLE, "ticket": 12, "place": "Thôn Đông", "waiting": 0},
    targets=("choose",),
)
def help_from_team(ctx: FlowContext) -> StepAction:
    """A handoff ticket with the procedure and the step filled in (nothing more)."""
    turn = ctx.turn
    filing = _filing(ctx)
    if filing is None:
        return StepAction(goto="choose")
    names = _names(ctx, filing)
    if filing.step_index >= 1:
        rows.stuck(turn.session, filing, step=filing.step, now=turn.now)
    waiting = tickets.active_for_resident(turn.session, resident_id=_resident_id(ctx))
    if waiting is not None:
        rows.set_ticket(turn.session, filing, ticket_id=waiting.id)
        return StepAction(vars={**names, "ticket": 0, "place": "", "waiting": waiting.id})
    fam = common.family(turn.services, ctx.flow.id)
    need = turn.texts.get(
        "online_filing.ticket_need",
        procedure=names["procedure"],
        code=filing.procedure,
        step=names["step_title"],
        number=filing.step_index,
        total=len(fam.steps) if fam else 0,
    )
    resident = turn.resident
    assert resident is not None
    ticket, _, from_village = create_request(
        turn, need=need, when_home=None, village_id=resident.village_id
    )
    rows.set_ticket(turn.session, filing, ticket_id=ticket.id)
    village = (
        org.village_by_id(turn.session, village_id=resident.village_id)
        if resident.village_id is not None and from_village
        else None
    )
    place = village.name if village is not None else ""
    return StepAction(vars={**names, "ticket": ticket.id, "place": place, "waiting": 0})


@HOOKS.action("online_done", sample={"procedure": "Đăng ký khai sinh", "days": "3 ngày nữa"})
def done(ctx: FlowContext) -> StepAction:
    """ "Đã nộp xong" (self-reported)."""
    turn = ctx.turn
    filing = _filing(ctx)
    if filing is None:
        return StepAction(goto="choose")
    rows.complete(turn.session, filing, now=turn.now)
    days = common.online_days(turn.services, filing.procedure)
    text = (
        turn.texts.get("online_filing.days", days=f"{days:g}")
        if days is not None
        else turn.texts.get("online_filing.days_unknown")
    )
    return StepAction(vars={**_names(ctx, filing), "days": text})


@HOOKS.check("online_dossier_code")
def dossier_code(text: str, ctx: FlowContext) -> str | None:
    """A dossier code, or "skip" for the button typed; never something that looks like an
    ID number, a phone number or an OTP (the redactor would change it)."""
    step_spec = ctx.flow.steps[ctx.state.step_id or ""]
    index = match_choice(text, [b.label for b in step_spec.buttons])
    if index is not None:
        return step_spec.buttons[index].value or "skip"
    cleaned = nfc(text).strip()
    if len(cleaned) > DOSSIER_CODE_MAX or not DOSSIER_RE.fullmatch(cleaned):
        return None
    if redact(cleaned).text != cleaned or cleaned.isdigit():
        return None
    return cleaned.upper()


@HOOKS.action("online_reminder", sample={"remind_on": "12/12", "code": "H40.99-0001"})
def reminder(ctx: FlowContext) -> StepAction:
    """Keep the dossier code only on the filing row, until its reminder; not in the chat state."""
    turn = ctx.turn
    code = str(ctx.data.pop("dossier", "") or "")
    filing = rows.latest(turn.session, resident_id=_resident_id(ctx))
    if not code or code == "skip" or filing is None or filing.flow != ctx.flow.id:
        return StepAction(vars={"remind_on": "", "code": ""})
    when = common.remind_time(turn.now, common.online_days(turn.services, filing.procedure))
    rows.set_reminder(turn.session, filing, code=code, remind_at=when)
    local = when.astimezone(turn.services.settings.tz)
    return StepAction(vars={"remind_on": f"{local:%d/%m}", "code": code})
