"""Hooks of the `news` flow: subscribe with consent to a village's notices, see what one
receives, change the village, stop. The `followers` campaign target reads what is saved
here (`Resident.news_opt_in`, `village_id`)."""

from __future__ import annotations

from bot.features.org.orgfile import match_village
from bot.flows.buttons import match_choice
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.text.normalize import normalize
from bot.turn import Turn
from db import org, residents
from db.models import Village

FLOW = "news"
HOOKS = Hooks()


def wants_to_stop(turn: Turn, text: str) -> bool:
    """ "hủy nhận tin", "khong nhan thong bao nua"… (texts/news.yaml `stop_words`), inside
    the message, with or without diacritics."""
    typed = f" {normalize(text)} "
    phrases = (normalize(p) for p in turn.texts.get("news.stop_words").split(","))
    return any(p and f" {p} " in typed for p in phrases)


def _village_of(ctx: FlowContext) -> Village | None:
    resident = ctx.turn.resident
    if resident is None or resident.village_id is None:
        return None
    return org.village_by_id(ctx.turn.session, village_id=resident.village_id)


@HOOKS.branch("news_entry")
def entry(ctx: FlowContext) -> str:
    resident = ctx.turn.resident
    subscribed = resident is not None and resident.news_opt_in
    if wants_to_stop(ctx.turn, str(ctx.data.get("query") or "")):
        return "stopped" if subscribed else "not_subscribed"
    return "already" if subscribed else "consent"


@HOOKS.action("news_villages", sample={"example": "Thôn Đông"}, targets=("subscribed",))
def villages(ctx: FlowContext) -> StepAction:
    """The villages of the organisation data, the resident's own first."""
    rows = org.villages(ctx.turn.session)
    own = _village_of(ctx)
    if own is not None:
        rows = [own, *(v for v in rows if v.id != own.id)]
    buttons = [DynamicButton(label=v.name, next="subscribed", value=str(v.id)) for v in rows]
    return StepAction(vars={"example": rows[0].name if rows else "Thôn Đông"}, buttons=buttons)


@HOOKS.check("news_village")
def village(text: str, ctx: FlowContext) -> str | None:
    """A village id for a typed name or alias (typos allowed), or a button's number."""
    if not text.strip().rstrip(".)").isdigit():
        found = match_village(org.villages(ctx.turn.session), text)
        if found is not None:
            return str(found.id)
    options = [(str(b["label"]), str(b.get("value"))) for b in ctx.data.get("_dyn") or []]
    index = match_choice(text, [label for label, _ in options])
    return options[index][1] if index is not None else None


@HOOKS.action("news_subscribe", sample={"village": "Thôn Đông"}, targets=("village",))
def subscribe(ctx: FlowContext) -> StepAction:
    raw = str(ctx.data.pop("village_id", "") or "")
    turn = ctx.turn
    chosen = org.village_by_id(turn.session, village_id=int(raw)) if raw.isdigit() else None
    resident = turn.resident
    if chosen is None or resident is None:
        return StepAction(goto="village")
    changed = resident.news_opt_in
    residents.set_village(turn.session, resident=resident, village_id=chosen.id)
    since = resident.news_opt_in_at if resident.news_opt_in else None
    residents.set_news_opt_in(turn.session, resident=resident, opt_in=True, now=since or turn.now)
    turn.log("news_subscribed", flow=FLOW, value=chosen.code, changed=changed)
    return StepAction(vars={"village": chosen.name})


@HOOKS.action("news_current", sample={"village": "Thôn Đông", "since": "07/12/2026"})
def current(ctx: FlowContext) -> StepAction:
    resident = ctx.turn.resident
    own = _village_of(ctx)
    since = resident.news_opt_in_at if resident is not None else None
    tz = ctx.turn.services.settings.tz
    return StepAction(
        vars={
            "village": own.name if own is not None else "thôn của bạn",
            "since": since.astimezone(tz).strftime("%d/%m/%Y") if since else "trước đây",
        }
    )


@HOOKS.action("news_unsubscribe", sample={"village": "Thôn Đông"})
def unsubscribe(ctx: FlowContext) -> StepAction:
    resident = ctx.turn.resident
    own = _village_of(ctx)
    if resident is not None and resident.news_opt_in:
        residents.set_news_opt_in(ctx.turn.session, resident=resident, opt_in=False)
        ctx.turn.log("news_unsubscribed", flow=FLOW, value=own.code if own else None)
    return StepAction(vars={"village": own.name if own is not None else ""})
