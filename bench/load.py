"""Load generation helpers: start the bot in a subprocess, post signed events, time answers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.config import DEMO_APP_ID, DEMO_OA_ID, DEMO_OA_SECRET_KEY
from bot.zalo.signature import signature_header

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
    }


@dataclass
class Server:
    base_url: str
    sim_url: str
    process: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    _start: Callable[..., subprocess.Popen[bytes]]

    def stop_workers(self) -> None:
        """Stop the event workers cleanly (SIGTERM: the transaction under way ends first), to
        time the web worker on its own. Never SIGSTOP: a frozen worker may hold the lock."""
        for worker in self.workers:
            worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            worker.wait(timeout=60)

    def start_workers(self) -> None:
        self.workers[:] = [self._start("worker") for _ in self.workers]

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")


def wait_until(
    url: str, *, timeout: float = 90.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once `url` answers 200; fail early if `process` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            msg = f"process exited with {process.returncode} before {url} answered"
            raise RuntimeError(msg)
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    msg = f"{url} did not answer within {timeout} s"
    raise TimeoutError(msg)


@contextlib.contextmanager
def serve(
    database_url: str, *, extra_env: dict[str, str] | None = None, workers: int = 0
) -> Iterator[Server]:
    """Run the bot as a deployment would, each part in its own process, until the block ends:
    `bot serve --demo` (one uvicorn worker) and the Zalo simulator (`bot sim`) in its place
    of Zalo, not inside the web worker; with `workers`, that many `bot worker` processes do
    the event processing (WEB_PROCESSES_EVENTS=false) and the web worker runs no scheduled
    jobs (no `bot scheduler` is started: none of its work is measured here)."""
    port, sim_port = free_port(), free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BOT_MODE": "demo",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "ZALO_OPENAPI_BASE": sim_url,
        "ZALO_OAUTH_BASE": sim_url,
        **(extra_env or {}),
    }
    if workers:
        env["WEB_PROCESSES_EVENTS"] = "false"
        # As deployed in this layout: scheduled jobs (the statistics rollup, campaigns) run in
        # `bot scheduler`, not in the web worker, where demo mode would put them.
        env["SCHEDULER_IN_APP"] = "false"
    log_name = f"server-{port}.log"
    log = open(ROOT / "bench" / log_name, "wb")  # noqa: SIM115
    children: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        children.append(child)
        return child

    def ready(url: str, child: subprocess.Popen[bytes]) -> None:
        try:
            wait_until(url, timeout=60, process=child)
        except (RuntimeError, TimeoutError) as exc:
            msg = f"{exc}; see bench/{log_name}"
            raise RuntimeError(msg) from exc

    try:
        sim = start(
            "sim", "--port", str(sim_port), "--webhook-url", f"http://127.0.0.1:{port}/webhook/zalo"
        )
        ready(sim_url + "/_sim/health", sim)
        process = start("serve", "--demo", "--port", str(port))
        ready(f"http://127.0.0.1:{port}/readyz", process)
        helpers = [start("worker") for _ in range(workers)]
        yield Server(f"http://127.0.0.1:{port}", sim_url, process, helpers, start)
    finally:
        for child in reversed(children):
            child.send_signal(signal.SIGTERM)
        for child in reversed(children):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        log.close()
        (ROOT / "bench" / log_name).unlink(missing_ok=True)


def signed_text_event(
    user: str,
    n: int,
    text: str,
    *,
    app_id: str = DEMO_APP_ID,
    oa_secret_key: str = DEMO_OA_SECRET_KEY,
) -> tuple[bytes, dict[str, str]]:
    timestamp = str(1_800_000_000_000 + n)
    body = json.dumps(
        {
            "app_id": app_id,
            "user_id_by_app": "55" + user,
            "event_name": "user_send_text",
            "timestamp": timestamp,
            "sender": {"id": user},
            "recipient": {"id": DEMO_OA_ID},
            "message": {"msg_id": f"{n:020x}", "text": text},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-ZEvent-Signature": signature_header(app_id, body, timestamp, oa_secret_key),
    }
    return body, headers


def _raw_request(path: str, host: str, port: int, body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> int:
    """Send one request on a keep-alive connection; the response's status code."""
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def post_at_rate(
    base_url: str,
    path: str,
    *,
    rate: float,
    seconds: float,
    users: int,
    start_n: int,
    text: str = "xin chào",
) -> tuple[list[float], int]:
    """Post signed events at `rate` per second for `seconds`, on a pool of keep-alive
    connections (a new one when all are busy); (latencies, errors: non-200 or broken)."""
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    total = int(rate * seconds)
    requests = [
        _raw_request(
            path, host, port, *signed_text_event(f"9{(i % users):018d}", start_n + i, text)
        )
        for i in range(total)
    ]
    latencies: list[float] = []
    errors = 0
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened: list[asyncio.StreamWriter] = []
    kinds: dict[str, int] = {}

    async def one(i: int) -> None:
        nonlocal errors
        started = time.perf_counter()
        try:
            status = None
            while idle and status is None:
                reader, writer = idle.pop()
                try:
                    status = await _exchange(reader, writer, requests[i])
                except (OSError, asyncio.IncompleteReadError):
                    # The server closed a keep-alive connection left idle too long (uvicorn:
                    # 5 s) before reading the request; as any HTTP client does, use another.
                    writer.close()
            if status is None:
                reader, writer = await asyncio.open_connection(host, port)
                opened.append(writer)
                status = await _exchange(reader, writer, requests[i])
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors += 1
            kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1
            return
        latencies.append(time.perf_counter() - started)
        idle.append((reader, writer))
        if status != 200:
            errors += 1
            kinds[f"HTTP {status}"] = kinds.get(f"HTTP {status}", 0) + 1

    tasks = []
    begin = time.perf_counter()
    for i in range(total):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for writer in opened:
        writer.close()
    if kinds:
        print(f"  ({path}: errors {kinds})", flush=True)
    return latencies, errors


async def post_flat_out(
    base_url: str,
    path: str,
    *,
    count: int,
    concurrency: int,
    users: int,
    start_n: int,
    app_id: str = DEMO_APP_ID,
    oa_secret_key: str = DEMO_OA_SECRET_KEY,
) -> tuple[float, list[float], int]:
    """Post `count` events as fast as `concurrency` keep-alive connections allow;
    (events/s, latencies, errors).

    Requests are pre-built bytes written on plain asyncio streams: a general HTTP client costs
    more CPU per request than the endpoint under test, and on a small machine the generator
    would be what is measured.
    """
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    requests = []
    for i in range(count):
        body, headers = signed_text_event(
            f"8{(i % users):018d}", start_n + i, "menu", app_id=app_id, oa_secret_key=oa_secret_key
        )
        requests.append(_raw_request(path, host, port, body, headers))
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                request = queue.get_nowait()
                started = time.perf_counter()
                status = await _exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    begin = time.perf_counter()
    results = await asyncio.gather(*(worker() for _ in range(concurrency)), return_exceptions=True)
    elapsed = time.perf_counter() - begin
    errors += sum(1 for r in results if isinstance(r, BaseException))
    return count / elapsed, latencies, errors
