"""Campaign tests: the demo organisation in a real database, settings and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.features.campaigns.content import load_templates
from bot.features.campaigns.spec import Context
from bot.features.enabled import FEATURES
from bot.features.org.orgfile import load_org, org_rows
from bot.texts import Texts
from db import org as org_db
from db.session import session_scope

DEMO_ORG = Settings().content_dir / "demo" / "org.yaml"
# Saturday 5 December 2026, 09:00 in Vietnam (02:00 UTC): outside quiet hours.
MORNING = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def make_ctx(**overrides: Any) -> Context:
    settings = Settings(**overrides)
    return Context(
        settings=settings,
        templates=load_templates(settings.content_dir / "campaigns"),
        texts=Texts.load(settings.content_dir),
    )


@pytest.fixture
def ctx() -> Context:
    return make_ctx()


@pytest.fixture
def org(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        org_db.apply_org(session, **org_rows(load_org(DEMO_ORG)))
    return engine


@pytest.fixture
def services(db_url: str) -> Any:
    from bot.services import Services

    return Services.load(Settings(database_url=db_url), FEATURES, commune_name="Xã Hòa An")
