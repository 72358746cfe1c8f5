"""Fixtures for flow transcripts: the real content, the real dispatcher, a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.config import Settings
from bot.features.enabled import FEATURES
from bot.features.org.orgfile import load_org, org_rows
from bot.services import Services
from db import org as org_db
from db.session import session_scope
from tests.harness import Chat

DEMO_ORG = Settings().content_dir / "demo" / "org.yaml"


@pytest.fixture
def services(db_url: str) -> Services:
    return Services.load(Settings(database_url=db_url), FEATURES, commune_name="Xã Hòa An")


@pytest.fixture
def demo_org(engine: Engine) -> None:
    with session_scope(engine) as session:
        org_db.apply_org(session, **org_rows(load_org(DEMO_ORG)))


@pytest.fixture
def make_chat(engine: Engine, services: Services) -> Callable[..., Chat]:
    clock = FakeClock()

    def make(user_id: str = "2468458835296117922") -> Chat:
        return Chat(engine, services, user_id=user_id, clock=clock)

    return make


@pytest.fixture
def resident(make_chat: Callable[..., Chat]) -> Iterator[Chat]:
    yield make_chat()
