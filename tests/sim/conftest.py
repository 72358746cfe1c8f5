"""The simulator alone, served in-process (no bot behind its webhook unless a test sets one)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from bot.sim.app import SimConfig, create_sim_app


@pytest.fixture
async def sim() -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    config = SimConfig(
        app_id="app",
        app_secret="app-secret",
        oa_id="oa",
        oa_secret_key="oa-secret",
        webhook_url="http://bot.invalid/webhook/zalo",
        retry_speedup=3000.0,  # Zalo's 30 s first retry becomes 10 ms
    )
    app = create_sim_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim"
    ) as client:
        yield app, client
    await app.state.sim_hooks.aclose()
