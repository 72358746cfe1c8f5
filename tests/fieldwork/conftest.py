"""Fieldwork tests: the demo organisation in a real database, the enabled features, a clock
that stands still, and members chatting with the real dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.services import Services
from tests.campaigns.conftest import org, services  # noqa: F401 (fixtures)
from tests.harness import Chat

LAN = "7000000000000000001"  # commune leader
HUNG = "7000000000000000002"  # village leader, Thôn Đông
MAI = "7000000000000000003"  # member, Thôn Đông and Thôn Trung Hòa
PANH = "7000000000000000004"  # village leader, Bản Nà Lầy
RESIDENT = "2468458835296117922"
# Monday 7 December 2026, 09:00 in Vietnam.
START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)

Make = Callable[[str], Chat]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def make(org: Engine, services: Services, clock: FakeClock) -> Make:  # noqa: F811
    def make_chat(user_id: str) -> Chat:
        return Chat(org, services, user_id=user_id, clock=clock)

    return make_chat
