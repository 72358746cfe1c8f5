"""`create_sim_app(config)`: a fake Zalo OA platform for the demo and the tests.

Three faces: OAuth v4 (`/v4/oa/*`, `bot.sim.oauth`), the OpenAPI (`/v2.0/*`, `/v3.0/*`) with
Zalo's checks and error codes (`bot.sim.messages`, `bot.sim.groups`, `bot.sim.users`), and a
control API (`{prefix}/…`, `bot.sim.control` and `bot.sim.residents`) that plays the residents:
create users, follow, send messages, tap buttons, move the clock, inject faults, read what the
OA sent. Events go to the bot through `bot.sim.webhook`. The routers share the world through
`app.state.sim` (the `SimState`) and `app.state.sim_hooks` (the `WebhookDispatcher`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.sim import control, groups, messages, oauth, residents, users
from bot.sim.state import SimConfig, SimState
from bot.sim.webhook import WebhookDispatcher

__all__ = ["SimConfig", "SimState", "create_sim_app"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await app.state.sim_hooks.aclose()


def create_sim_app(config: SimConfig, *, control_prefix: str = "/_sim") -> FastAPI:
    state = SimState(config)
    app = FastAPI(title="Zalo OA simulator", lifespan=_lifespan)
    app.state.sim = state
    app.state.sim_hooks = WebhookDispatcher(state)
    app.include_router(oauth.router)
    for router in (messages.router, groups.router, users.router):
        app.include_router(router)
    app.include_router(control.router, prefix=control_prefix)
    app.include_router(residents.router, prefix=control_prefix)
    return app
