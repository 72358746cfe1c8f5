"""Hooks of the `procedures` flow: search, match list, detail card, online filing, rules."""

from __future__ import annotations

from bot.features.procedures.cards import render_card, render_general, render_more
from bot.features.procedures.search import Hit
from bot.features.procedures.service import CLEAR_LEAD, CLEAR_SCORE, ProcedureService
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.nlu.intents import IntentRouter

SAMPLE_CARD = "📋 Đăng ký khai sinh\n\n📄 Giấy tờ cần chuẩn bị:\n• Tờ khai\n• Giấy chứng sinh"


def _service(ctx: FlowContext) -> ProcedureService:
    service = ctx.turn.services.get(ProcedureService)
    if service is None:
        msg = "the procedure catalogue is not loaded"
        raise RuntimeError(msg)
    return service


HOOKS = Hooks()


def flow_search(service: ProcedureService, router: IntentRouter, query: str) -> list[Hit]:
    """The flow's search for `query`, read as the router reads it: the router's procedure
    lookup searched that same text this turn, so the search is not done twice (and typos
    and polite frames are read alike in both)."""
    return service.search(router.cleaner.clean(query).text or query, limit=5)


@HOOKS.branch("procedures_entry")
def entry(ctx: FlowContext) -> str:
    """Straight to the card when the router already knew the code, else search or ask."""
    code = str(ctx.data.get("code") or "")
    if code and _service(ctx).catalogue.get(code):
        # The router's lookup was the search: record it like one.
        query = str(ctx.data.get("query") or "")[:200]
        ctx.turn.log("procedure_search", flow="procedures", value=code, query=query, results=1)
        return "detail"
    return "results" if ctx.data.get("query") else "ask"


@HOOKS.action("procedures_search", sample={"count": 3, "query": "khai sinh"})
def search(ctx: FlowContext) -> StepAction:
    service = _service(ctx)
    query = str(ctx.data.get("query") or "")
    hits = flow_search(service, ctx.turn.services.router, query)
    top = hits[0].code if hits else None
    ctx.turn.log(
        "procedure_search",
        flow="procedures",
        value=top or "not_found",
        query=query[:200],
        results=len(hits),
    )
    ctx.data["hits"] = len(hits)
    if not hits:
        return StepAction(goto="not_found")
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if hits[0].score >= CLEAR_SCORE and hits[0].score - runner_up >= CLEAR_LEAD:
        ctx.data["code"] = hits[0].code
        return StepAction(goto="detail")
    buttons = []
    for hit in hits[:4]:
        procedure = service.catalogue.get(hit.code)
        label = procedure.title if procedure is not None else hit.name
        buttons.append(DynamicButton(label=_short(label), next="detail", value=hit.code))
    return StepAction(vars={"count": len(buttons), "query": query}, buttons=buttons)


@HOOKS.action("procedures_missed")
def missed(ctx: FlowContext) -> StepAction:
    """The resident saw the results and none was theirs: counted with the searches that
    found nothing, so officials read what was missing (a search with no result is already
    counted by `search`)."""
    if ctx.data.get("hits"):
        query = str(ctx.data.get("query") or "")[:200]
        ctx.turn.log("procedure_miss", flow="procedures", value="rejected", query=query)
        ctx.data["hits"] = 0
    return StepAction()


@HOOKS.action("procedures_card", sample={"card": SAMPLE_CARD, "title": "Đăng ký khai sinh"})
def card(ctx: FlowContext) -> StepAction:
    service = _service(ctx)
    code = str(ctx.data.get("code") or "")
    procedure = service.catalogue.get(code)
    if procedure is None:
        return StepAction(goto="not_found")
    ctx.turn.log("procedure_view", flow="procedures", value=code)
    text = "\n\n".join(render_card(procedure, service.templates))
    return StepAction(vars={"card": text, "title": procedure.title})


@HOOKS.action("procedures_more", sample={"more": "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả."})
def more(ctx: FlowContext) -> StepAction:
    service = _service(ctx)
    procedure = service.catalogue.get(str(ctx.data.get("code") or ""))
    if procedure is None:
        return StepAction(goto="not_found")
    return StepAction(vars={"more": "\n\n".join(render_more(procedure, service.templates))})


@HOOKS.action(
    "procedures_online",
    sample={"title": "Đăng ký khai sinh", "online": True, "link": "https://dichvucong.gov.vn"},
)
def online(ctx: FlowContext) -> StepAction:
    service = _service(ctx)
    procedure = service.catalogue.get(str(ctx.data.get("code") or ""))
    if procedure is None:
        return StepAction(goto="not_found")
    has_online = any(c.kind == "truc_tuyen" for c in procedure.channels)
    return StepAction(
        vars={
            "title": procedure.title,
            "online": has_online,
            "link": procedure.link or "https://dichvucong.gov.vn",
        }
    )


@HOOKS.action("procedures_general", sample={"general": "Không cần mang sổ hộ khẩu."})
def general(ctx: FlowContext) -> StepAction:
    service = _service(ctx)
    return StepAction(
        vars={"general": "\n\n".join(render_general(service.catalogue.general, service.templates))}
    )


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
