"""Event parsing: every §1.7 example, tolerant ids, unknown events, malformed bodies."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.zalo.events import (
    ChatNowEvent,
    EventError,
    FollowEvent,
    GroupMemberEvent,
    GroupMessageEvent,
    OAMessageEvent,
    ReceiptEvent,
    SubmitInfoEvent,
    UnknownEvent,
    UserMessageEvent,
    parse_event,
)
from tests.zalo.examples import EXAMPLES, USER

EXPECTED = {
    "user_send_text": UserMessageEvent,
    "user_send_image": UserMessageEvent,
    "user_send_link": UserMessageEvent,
    "user_send_sticker": UserMessageEvent,
    "user_send_location": UserMessageEvent,
    "user_send_file": UserMessageEvent,
    "user_submit_info": SubmitInfoEvent,
    "follow": FollowEvent,
    "user_click_chatnow": ChatNowEvent,
    "user_seen_message": ReceiptEvent,
    "oa_send_text": OAMessageEvent,
    "user_send_group_text": GroupMessageEvent,
    "add_user_to_tag": UnknownEvent,
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_documented_example_parses(name: str) -> None:
    event = parse_event(json.loads(EXAMPLES[name]))
    assert type(event) is EXPECTED[name]
    assert event.event_name == name
    assert event.timestamp_ms > 0


def test_subjects_and_dedupe_keys() -> None:
    text = parse_event(json.loads(EXAMPLES["user_send_text"]))
    assert text.subject_id == USER
    assert text.dedupe_key == "msg:a1b2c3d4e5f60718293a"
    echo = parse_event(json.loads(EXAMPLES["oa_send_text"]))
    assert echo.subject_id == USER  # the recipient: same queue as the resident
    assert echo.dedupe_key == "echo:0a1b2c3d4e5f60718290"
    follow = parse_event(json.loads(EXAMPLES["follow"]))
    assert follow.subject_id == USER
    assert follow.dedupe_key == f"follow:1731900007000:{USER}"
    seen = parse_event(json.loads(EXAMPLES["user_seen_message"]))
    assert isinstance(seen, ReceiptEvent)
    assert seen.message_ids == ["0a1b2c3d4e5f60718290", "0a1b2c3d4e5f60718291"]
    group = parse_event(json.loads(EXAMPLES["user_send_group_text"]))
    assert isinstance(group, GroupMessageEvent)
    assert group.group_id == "4a9bada229cec09099df"


def test_numeric_ids_are_read_as_strings() -> None:
    body = json.loads(EXAMPLES["user_send_text"])
    body["sender"]["id"] = 2468458835296117922
    body["timestamp"] = 1731900000123
    event = parse_event(body)
    assert event.subject_id == "2468458835296117922"
    assert event.timestamp == "1731900000123"


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {},
        {"event_name": ""},
        {"event_name": 5},
        {"event_name": "user_send_text"},
        {"event_name": "user_send_text", "sender": {}, "recipient": {"id": "1"}, "message": {}},
        {"event_name": "follow", "timestamp": "1"},
        {"event_name": "x" * 65},
    ],
)
def test_malformed_bodies_raise_event_error(body: Any) -> None:
    with pytest.raises(EventError):
        parse_event(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_any_json_is_an_event_or_an_event_error(value: Any) -> None:
    with contextlib.suppress(EventError):
        parse_event(value)


@given(
    st.dictionaries(
        st.sampled_from(
            ["sender", "recipient", "message", "follower", "timestamp", "user_id", "info", "app_id"]
        ),
        json_values,
    ),
    st.sampled_from(sorted(EXPECTED)),
)
def test_known_event_names_with_any_fields_never_raise_unexpectedly(
    fields: dict[str, Any], name: str
) -> None:
    try:
        event = parse_event({**fields, "event_name": name})
    except EventError:
        return
    assert event.dedupe_key
    assert event.subject_id


@pytest.mark.parametrize(
    "name",
    [
        "user_out_group",
        "accept_request_join_group",
        "reject_request_join_group",
        "user_leave_group",
        "react_request_join_group_accept",
        "react_request_join_group_reject",
    ],
)
def test_group_member_events_parse_under_the_2026_names_and_the_older_ones(name: str) -> None:
    body = {
        "app_id": "1",
        "oa_id": "2",
        "group_id": "g1",
        "event_name": name,
        "timestamp": "1731900000000",
        "users": [{"id": 11}, {"id": "12"}],
    }
    event = parse_event(body)
    assert isinstance(event, GroupMemberEvent)
    assert event.subject_id == "group:g1" and event.user_ids == ["11", "12"]
    other = parse_event(body | {"users": [{"id": "13"}]})
    assert other.dedupe_key != event.dedupe_key  # another member, another event
    assert len(event.dedupe_key) <= 200
    with pytest.raises(EventError):
        parse_event(body | {"group_id": "g" * 59})
