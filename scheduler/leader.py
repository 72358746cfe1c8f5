"""Exactly one active scheduler: a renewed lease in the database; others wait as standby."""

from __future__ import annotations

import asyncio
import logging

import anyio.to_thread
from sqlalchemy import Engine

from bot.clock import Clock
from db import locks
from db.session import session_scope

log = logging.getLogger(__name__)

LEASE = "scheduler"


class Leadership:
    def __init__(self, *, engine: Engine, clock: Clock, owner: str, ttl_s: float) -> None:
        self._engine = engine
        self._clock = clock
        self._owner = owner
        self._ttl = ttl_s

    def _try(self) -> bool:
        with session_scope(self._engine) as session:
            return locks.try_acquire(
                session, name=LEASE, owner=self._owner, ttl_s=self._ttl, now=self._clock.now()
            )

    async def acquire(self) -> None:
        """Wait until this process holds the lease."""
        announced = False
        while not await anyio.to_thread.run_sync(self._try):
            if not announced:
                log.info("another scheduler is active; waiting as standby")
                announced = True
            await asyncio.sleep(self._ttl / 3)
        log.info("this scheduler is now active (%s)", self._owner)

    async def keep(self) -> None:
        """Renew the lease; returns (so the caller stops) if it is lost."""
        while True:
            await asyncio.sleep(self._ttl / 3)
            if not await anyio.to_thread.run_sync(self._try):
                log.error("scheduler lease lost; stopping active work")
                return

    def release(self) -> None:
        with session_scope(self._engine) as session:
            locks.release(session, name=LEASE, owner=self._owner)
