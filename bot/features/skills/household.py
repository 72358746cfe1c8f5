"""Hooks for the resident's village and household (for the households' coverage figures)."""

from __future__ import annotations

from bot.features.skills.hooks import FLOW, REFUSED, SKIP, SKIP_STEP, place_of, text_of
from bot.features.skills.households import HouseholdProblem, check_household, match_village
from bot.flows.buttons import ShownButton, page_options
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.text.normalize import normalize, typed_number
from db import org as org_rows
from db import residents as resident_rows
from db.models import Village


def _shown(ctx: FlowContext) -> list[ShownButton]:
    return page_options(ctx.state, ctx.flow.steps[ctx.state.step_id or ""])


def _numbered(ctx: FlowContext, text: str) -> ShownButton | None:
    """The button a typed number ("2") stands for on the page the resident sees."""
    number = typed_number(text)
    shown = _shown(ctx)
    if number is not None and 1 <= number <= len(shown):
        return shown[number - 1]
    return None


def _wants_to_skip(ctx: FlowContext, text: str) -> bool:
    """ "bỏ qua", "để sau"… (texts/skills.yaml `skip_words`) or the skip button's label, typed.
    Compared whole, never fuzzily: a household called "Bố Quang" must not read as "Bỏ qua"."""
    typed = normalize(text)
    words = {normalize(w) for w in text_of(ctx, "skip_words").split(",") if w.strip()}
    words |= {normalize(b.label) for b in _shown(ctx) if b.next == SKIP_STEP}
    return bool(typed) and typed in words


HOOKS = Hooks()


@HOOKS.action("skills_place", sample={"village": "Thôn Đông", "household": "Nguyễn Văn An"})
def place(ctx: FlowContext) -> StepAction:
    return StepAction(vars=place_of(ctx))


def _villages(ctx: FlowContext) -> list[Village]:
    return org_rows.villages(ctx.turn.session)


@HOOKS.action(
    "skills_villages", sample={"example": "Thôn Đông"}, targets=("village_saved", "household")
)
def villages(ctx: FlowContext) -> StepAction:
    rows = _villages(ctx)
    if not rows:
        return StepAction(goto="household")
    buttons = [DynamicButton(label=v.name, next="village_saved", value=str(v.id)) for v in rows]
    return StepAction(vars={"example": rows[0].name}, buttons=buttons)


@HOOKS.check("village_name")
def village_name(text: str, ctx: FlowContext) -> str | None:
    """A village id for a typed name, alias or button number; SKIP for "bỏ qua"."""
    found = match_village(text, _villages(ctx))
    if found is not None:
        return str(found.id)
    numbered = _numbered(ctx, text)
    if numbered is not None:
        if numbered.next == SKIP_STEP:
            return SKIP
        return numbered.value if numbered.next == "village_saved" else None
    return SKIP if _wants_to_skip(ctx, text) else None


@HOOKS.branch("skills_village")
def village_chosen(ctx: FlowContext) -> str:
    return SKIP_STEP if ctx.data.get("village_id") == SKIP else "village_saved"


@HOOKS.action("skills_save_village", sample={"village": "Thôn Đông"}, targets=("village",))
def save_village(ctx: FlowContext) -> StepAction:
    raw = str(ctx.data.pop("village_id", "") or "")
    village = (
        org_rows.village_by_id(ctx.turn.session, village_id=int(raw)) if raw.isdigit() else None
    )
    resident = ctx.turn.resident
    if village is None or resident is None:
        return StepAction(goto="village")
    resident_rows.set_village(ctx.turn.session, resident=resident, village_id=village.id)
    ctx.turn.log("village_set", flow=FLOW, value=village.code)
    return StepAction(vars={"village": village.name})


@HOOKS.check("household_key")
def household_key(text: str, ctx: FlowContext) -> str | None:
    """The household name; REFUSED for anything like an ID or phone number; SKIP to skip."""
    answer = check_household(text)
    if answer.problem is HouseholdProblem.ID_LIKE:
        return REFUSED
    numbered = _numbered(ctx, text)
    if _wants_to_skip(ctx, text) or (numbered is not None and numbered.next == SKIP_STEP):
        return SKIP
    return answer.key


@HOOKS.branch("skills_household")
def household_chosen(ctx: FlowContext) -> str:
    value = ctx.data.get("household")
    if value == SKIP:
        ctx.data.pop("household", None)
        return SKIP_STEP
    if value == REFUSED:
        ctx.data.pop("household", None)
        ctx.turn.log("household_refused", flow=FLOW, value="id_like")
        return "household_refused"
    return "household_saved"


@HOOKS.action(
    "skills_save_household",
    sample={"village": "Thôn Đông", "household": "Nguyễn Văn An"},
    targets=("household",),
)
def save_household(ctx: FlowContext) -> StepAction:
    key = str(ctx.data.pop("household", "") or "")
    resident = ctx.turn.resident
    if not key or resident is None:
        return StepAction(goto="household")
    resident_rows.set_household(ctx.turn.session, resident=resident, household_key=key)
    ctx.turn.log("household_set", flow=FLOW)
    return StepAction(vars=place_of(ctx))
