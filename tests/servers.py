"""Real HTTP servers for tests: an ASGI app under uvicorn in a thread, or `bot` in a subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from bench.load import free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent


def demo_sim_app(bot_port: int, *, retry_speedup: float = 60.0) -> Any:
    """The simulator with the demo OA's secrets, delivering to a bot on `bot_port`; Zalo's
    30 s first retry becomes 0.5 s."""
    from bot.config import DEMO_APP_ID, DEMO_APP_SECRET, DEMO_OA_ID, DEMO_OA_SECRET_KEY
    from bot.sim.app import SimConfig, create_sim_app

    config = SimConfig(
        app_id=DEMO_APP_ID,
        app_secret=DEMO_APP_SECRET,
        oa_id=DEMO_OA_ID,
        oa_secret_key=DEMO_OA_SECRET_KEY,
        webhook_url=f"http://127.0.0.1:{bot_port}/webhook/zalo",
        retry_speedup=retry_speedup,
    )
    return create_sim_app(config)


@contextlib.contextmanager
def serve_in_thread(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a background thread; yields the base URL."""
    port = port or free_port()
    # As `bot serve` runs it: forwarded headers are the app's business (TRUSTED_PROXIES).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            msg = "the test server did not start"
            raise RuntimeError(msg)
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def bot_env(db_url: str, sim_url: str, **extra: str) -> dict[str, str]:
    """Settings for a bot process under test: the database, the simulator as Zalo, and the
    sender's waits shortened so that crash tests settle in seconds."""
    return {
        "DATABASE_URL": db_url,
        "ZALO_OPENAPI_BASE": sim_url,
        "ZALO_OAUTH_BASE": sim_url,
        "OUTBOX_POLL_S": "0.05",
        "OUTBOX_BACKOFF_BASE_S": "0.05",
        "OUTBOX_ECHO_GRACE_S": "0.5",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class BotProcess:
    """`bot serve --demo` (or, with `command`, another `bot` command such as `worker`) in a
    subprocess, so tests can kill -9 it."""

    def __init__(
        self, env: dict[str, str], port: int, log: Path, command: list[str] | None = None
    ) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_env: str) -> None:
        env = {**os.environ, **self.env, **extra_env}
        command = self.command or ["serve", "--demo", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", *command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if self.command is None:  # the web app says when it is ready
            wait_until(self.url + "/readyz", process=self.process)

    def kill9(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def wait_exit(self, timeout: float = 20) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
