"""The OpenAPI's group side (GMF): messages to a group the OA belongs to, and the OA's groups."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.sim.events import envelope, record_send
from bot.sim.guard import fault_response, guard
from bot.sim.http import HooksDep, StateDep, error, json_body, ok, with_headers
from bot.sim.state import SimGroup
from bot.sim.validation import echo_kind, group_message_problem

GROUP_ROUTE = "/v3.0/oa/group/message"

router = APIRouter()


def _group_problem(group: SimGroup | None) -> Response | None:
    if group is None or not group.oa_member:
        return error(-403, "OA is not in group")
    if group.disabled:
        return error(-237, "The group is disabled")
    return None


@router.post(GROUP_ROUTE)
async def message_group(request: Request, state: StateDep, hooks: HooksDep) -> Response:
    problem, headers = await guard(request, state, GROUP_ROUTE)
    if problem is not None:
        return with_headers(problem, headers)
    config = state.config
    if not config.oa_verified or config.oa_package.lower() not in ("advanced", "premium"):
        return with_headers(error(-224, "The OA needs to upgrade OA Tier Package"), headers)
    body = await json_body(request)
    if not isinstance(body, dict):
        return with_headers(error(-201, "body is invalid!"), headers)
    group_id = str((body.get("recipient") or {}).get("group_id", ""))
    refused = _group_problem(state.groups.get(group_id))
    if refused is not None:
        return with_headers(refused, headers)
    message = body.get("message")
    invalid = group_message_problem(message)
    if invalid is not None:
        return with_headers(error(*invalid), headers)
    assert isinstance(message, dict)
    sent = record_send(state, GROUP_ROUTE, group_id, "group", body)
    if state.switches.get("echo", True):
        event = envelope(state, f"oa_send_group_{echo_kind(message)}") | {
            "sender": {"id": config.oa_id},
            "recipient": {"id": group_id},
            "message": {"msg_id": sent.message_id, "text": message.get("text", "")},
        }
        delay_s = config.echo_delay_ms / 1000
        hooks.deliver_in_background([event], lane=group_id, delay_s=delay_s)
    after = await fault_response(state, GROUP_ROUTE, after_accept=True)
    if after is not None:
        return with_headers(after, headers)
    return with_headers(ok({"message_id": sent.message_id}), headers)


@router.get("/v3.0/oa/group/getgroupsofoa")
async def groups_of_oa(request: Request, state: StateDep) -> Response:
    problem, headers = await guard(request, state, "/v3.0/oa/group/getgroupsofoa")
    if problem is not None:
        return with_headers(problem, headers)
    offset = int(request.query_params.get("offset", 0))
    count = int(request.query_params.get("count", 5))
    groups = [g for g in state.groups.values() if g.oa_member]
    page = groups[offset : offset + count]
    listed = [
        {
            "group_id": g.group_id,
            "name": g.name,
            "total_member": len(g.members),
            "status": "disabled" if g.disabled else "enabled",
        }
        for g in page
    ]
    return with_headers(ok({"total": len(groups), "groups": listed}), headers)
