"""The real app on a real port, with its built-in simulator (the `live` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.clock import Clock
from bot.config import Settings
from bot.main import create_app
from tests.servers import free_port, serve_in_thread


@dataclass
class Live:
    url: str
    settings: Settings
    app: Any

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15)


def live_settings(db_url: str, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_mode": "demo",
        "database_url": db_url,
        "host": "127.0.0.1",
        "port": port,
        "outbox_poll_s": 0.05,
        "outbox_backoff_base_s": 0.05,
        "outbox_echo_grace_s": 0.3,
        "sim_retry_speedup": 300.0,
        **overrides,
    }
    return Settings(**values)


def run_live(db_url: str, *, clock: Clock | None = None, **overrides: Any) -> Iterator[Live]:
    port = free_port()
    settings = live_settings(db_url, port, **overrides)
    app = create_app(settings, clock=clock)
    with serve_in_thread(app, port) as url:
        yield Live(url, settings, app)
