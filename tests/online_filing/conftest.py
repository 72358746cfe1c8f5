"""Fixtures: the real content and dispatcher, a real database, the demo commune's team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.features.handoff.interceptor import HandoffInterceptor
from bot.features.online_filing.interceptor import OnlineFilingInterceptor
from bot.features.org.orgfile import load_org, org_rows
from bot.services import Services
from db import org as org_db
from db.session import session_scope
from tests.flows.conftest import DEMO_ORG
from tests.flows.support import services_for
from tests.harness import Chat

# 09:00 in Vietnam.
START = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def services(db_url: str) -> Services:
    return services_for(db_url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def make(engine: Engine, services: Services, clock: FakeClock) -> Callable[..., Chat]:
    with session_scope(engine) as session:
        org_db.apply_org(session, **org_rows(load_org(DEMO_ORG)))
    interceptors = (HandoffInterceptor(), OnlineFilingInterceptor())

    def make_chat(user_id: str = "2468458835296117922") -> Chat:
        return Chat(engine, services, user_id=user_id, clock=clock, interceptors=interceptors)

    return make_chat
