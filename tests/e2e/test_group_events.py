"""The GMF member events of 2026 (updates-2026.md §1.4), signed, over HTTP: recorded and
processed without error, under the new names and the older ones."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from db.models import EventLog, InboundEvent
from db.session import read_scope
from tests.e2e.test_webhook import rows, sign, wait_for
from tests.live import Live

GROUP = "4a9bada229cec09099df"


def group_event(name: str, members: list[str], ts: str = "1731900000777", **extra: object) -> bytes:
    body = {
        "app_id": "3608465248940903967",
        "oa_id": "579745863508352884",
        "group_id": GROUP,
        "event_name": name,
        "timestamp": ts,
        "users": [{"id": u} for u in members],
        **extra,
    }
    return json.dumps(body).encode()


def logged(live: Live) -> list[tuple[str | None, dict[str, object]]]:
    with read_scope(live.runtime.engine) as s:
        found = s.exec(select(EventLog).where(EventLog.kind == "group_member")).all()
        return [(e.value, dict(e.data)) for e in found]


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("user_out_group", "left"),
        ("accept_request_join_group", "accepted"),
        ("reject_request_join_group", "rejected"),
        ("user_leave_group", "left"),
        ("react_request_join_group_accept", "accepted"),
    ],
)
def test_a_signed_group_member_event_is_recorded_and_processed(
    live: Live, name: str, change: str
) -> None:
    body = group_event(name, ["2468458835296117922", "2468458835296117923"])
    with live.client() as http:
        response = http.post("/webhook/zalo", content=body, headers=sign(body, "1731900000777"))
        assert response.status_code == 200, response.text
        again = http.post("/webhook/zalo", content=body, headers=sign(body, "1731900000777"))
        assert again.status_code == 200  # a redelivery: stored once
    wait_for(lambda: all(r.status == "done" for r in rows(live, InboundEvent)))
    [event] = rows(live, InboundEvent)
    assert (event.event_name, event.subject_id, event.error) == (name, f"group:{GROUP}", None)
    [(value, data)] = logged(live)
    assert value == change and data["group_id"] == GROUP and data["users"] == 2
    assert data["known_group"] is False  # not in the organisation file of this test
    assert "2468458835296117922" not in json.dumps(data)  # members are not copied around


def test_malformed_group_events_get_a_clear_400(live: Live) -> None:
    ts = "1731900000778"
    bad = [
        group_event("user_out_group", ["1"], ts=ts, group_id=None),  # no group
        group_event("user_out_group", ["1"], ts=ts, group_id="g" * 200),  # no such id
        group_event("accept_request_join_group", ["1"], ts=ts, users="everyone"),
        group_event("reject_request_join_group", ["1"], ts="9" * 400),
    ]
    with live.client() as http:
        for body in bad:
            stamp = json.loads(body)["timestamp"]
            response = http.post("/webhook/zalo", content=body, headers=sign(body, stamp))
            assert response.status_code == 400, body
    assert rows(live, InboundEvent) == []


def test_the_simulator_emits_group_member_events_to_the_bot(live: Live) -> None:
    with live.client() as http:
        http.post("/_sim/users", json={"user_id": "u1", "display_name": "Bà Lan"})
        http.post("/_sim/groups", json={"group_id": GROUP, "name": "Thôn Đông", "members": ["u1"]})
        for name in ("accept_request_join_group", "reject_request_join_group", "user_out_group"):
            sent = http.post(
                "/_sim/group_event", json={"group_id": GROUP, "event": name, "user_ids": ["u2"]}
            )
            assert sent.status_code == 200 and sent.json()["delivery"]["status"] == 200
    wait_for(lambda: len(logged(live)) == 3)
    assert sorted(v for v, _ in logged(live)) == ["accepted", "left", "rejected"]
    assert {r.status for r in rows(live, InboundEvent)} == {"done"}
