"""FastAPI dependencies every route uses (async, so FastAPI resolves them on the event loop
without a thread hop): the runtime, its settings and clock, and the
database, whose blocking work runs in a worker thread inside one session scope.

    async def route(db: DatabaseDep, clock: ClockDep) -> Out:
        return await db.read(lambda session: ...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.config import Settings
from bot.runtime import Runtime
from db.session import read_scope, session_scope

T = TypeVar("T")


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]


@dataclass(frozen=True)
class Database:
    """The runtime's database for one request: `read` and `write` run `work(session)` in a
    worker thread (the event loop never waits on the database), `write` in a transaction
    that commits when `work` returns."""

    engine: Engine

    async def read(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with read_scope(self.engine) as session:
                return work(session)

        return await anyio.to_thread.run_sync(run)

    async def write(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await anyio.to_thread.run_sync(run)


async def get_database(runtime: RuntimeDep) -> Database:
    return Database(runtime.engine)


DatabaseDep = Annotated[Database, Depends(get_database)]


def local_now(runtime: Runtime) -> datetime:
    """Now, by the runtime's clock, in the commune's time zone (`BOT_TIMEZONE`)."""
    return runtime.clock.now().astimezone(runtime.settings.tz)
