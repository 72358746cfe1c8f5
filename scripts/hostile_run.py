"""A hostile run against the real app (issue 21): crafted inputs in, then a search for leaks.

    python scripts/hostile_run.py [--small] [--json]

Starts the app (demo mode, its Zalo simulator mounted) on a fresh SQLite database in a temp
directory, served by uvicorn in a thread as the tests do, and sends:

- long texts up to 50 KB, shaped to be slow for careless regexes;
- forged and malformed webhook calls: a bad, missing or foreign MAC, huge and negative
  timestamps, lone surrogates, wrong JSON types, broken and deeply nested JSON, oversize
  bodies, malformed group events;
- secrets typed by residents (issue 21 defect 8: OTP variants, passwords, CVV and expiry, a
  13-digit account number, 12-digit ID numbers) and a handoff carrying some;
- texts that would be spreadsheet formulas in /admin/stats.csv;
- the same event delivered many times at once;
- odd admin requests.

Then it waits for processing to settle and searches every table of the database, the log
output and what was sent to Zalo for the secrets (each as a token of its own, and with spaces
removed), and every CSV cell for a formula. It prints: inputs tried, responses by status
class, 5xx, secrets found, formula cells, duplicates processed more than once, events that
failed. The exit code is 1 when a 5xx, a secret, a formula cell or a double processing is
found, or an event failed, or a forged call was accepted. `--small` is the quick version
the tests run (tests/privacy/test_hostile_run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, func, select  # noqa: E402

from bot.config import DEMO_ADMIN_TOKEN, DEMO_APP_ID, DEMO_OA_ID, DEMO_OA_SECRET_KEY  # noqa: E402
from bot.zalo.signature import signature_header  # noqa: E402
from db import rollup  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import InboundEvent, Outbox  # noqa: E402
from db.session import read_scope, session_scope  # noqa: E402
from tests.e2e import test_hostile as hostile  # noqa: E402

ADMIN = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}

# What residents typed that must never be kept: the secrets of issue 21 defect 8 that the
# end-to-end test uses, and a few more spellings.
SECRETS = {
    **hostile.SECRETS,
    "cccd_dotted": "038.195.012.345",
    "otp_words": "739146",
    "password_pass": "Lan#pass2025",
}

SECRET_MESSAGES = [
    *hostile.SECRET_MESSAGES,
    f"CCCD: {SECRETS['cccd_dotted']}",
    f"ma xac thuc cua toi la {SECRETS['otp_words']}",
    f"pass: {SECRETS['password_pass']}",
    "#go:handoff",
    f"nhờ cán bộ giúp, số căn cước {SECRETS['cccd']}",
    f"mật khẩu VNeID của tôi: {SECRETS['password_vneid']} và stk {SECRETS['account']}",
]

# Resident texts that a spreadsheet would run as formulas if a CSV cell began with them.
FORMULAS = ["=1+1", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "+1+1", "-2+3", "\r=cmd|'/C'"]


# Digits that `str.isdigit` takes and `int` may refuse, typed where a button number goes.
ODD_NUMBERS = ["²", "１２", "٣", "1" * 4400, "9" * 30]


def long_texts(size: int) -> list[str]:
    """Texts of about `size` characters that make backtracking patterns slow."""
    half = size // 2
    return [
        "a." * half,
        "a" * size,
        "1 " * half,
        "http://" + "a." * (half - 4),
        "www." + "-a" * (half - 2),
        "0-" * half,
        "(" * size,
        "mật khẩu " * (size // 9),
        "otp " + "1-" * (half - 2),
        "x@" * half,
        "1" * size,
        "\u0301" * (size // 2),  # combining marks alone
    ]


@dataclass
class Tally:
    inputs: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    def add(self, what: str, status: int) -> None:
        self.inputs += 1
        self.statuses[f"{status // 100}xx"] += 1
        if status >= 500:
            self.server_errors.append(f"{what}: {status}")


class Sender:
    """Signs and posts webhook bodies, counting every answer."""

    def __init__(self, http: httpx.AsyncClient, tally: Tally) -> None:
        self.http, self.tally = http, tally
        self._seq = 0
        self._limit = asyncio.Semaphore(16)

    def next_id(self) -> str:
        self._seq += 1
        return f"{self._seq:020x}"

    def text_event(self, user: str, text: str, *, ts: str | None = None) -> dict[str, Any]:
        return {
            "app_id": DEMO_APP_ID,
            "user_id_by_app": "5521772797175877301",
            "event_name": "user_send_text",
            "timestamp": ts or str(int(time.time() * 1000)),
            "sender": {"id": user},
            "recipient": {"id": DEMO_OA_ID},
            "message": {"msg_id": "ee" + self.next_id()[2:], "text": text},
        }

    async def post(
        self, what: str, raw: bytes, *, ts: str | None = None, headers: dict[str, str] | None = None
    ) -> int:
        if headers is None:
            stamp = ts if ts is not None else _timestamp_of(raw)
            mac = signature_header(DEMO_APP_ID, raw, stamp, DEMO_OA_SECRET_KEY)
            headers = {"Content-Type": "application/json", "X-ZEvent-Signature": mac}
        async with self._limit:
            try:
                response = await self.http.post("/webhook/zalo", content=raw, headers=headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                status = 599  # no answer at all counts as a server failure
                what = f"{what} ({type(exc).__name__})"
        self.tally.add(what, status)
        return status

    async def send(self, what: str, event: dict[str, Any]) -> int:
        raw = json.dumps(event, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return await self.post(what, raw)


def _timestamp_of(raw: bytes) -> str:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return "0"
    return str(obj.get("timestamp", "0")) if isinstance(obj, dict) else "0"


async def add_sim_users(http: httpx.AsyncClient, users: list[str]) -> None:
    """Residents Zalo knows (so the bot's replies reach the simulator)."""
    now = int(time.time() * 1000)
    for user in users:
        body = {"user_id": user, "display_name": f"Cư dân {user[-3:]}", "last_interaction_ms": now}
        await http.post("/_sim/users", json=body)


async def resident_inputs(sender: Sender, *, small: bool) -> int:
    """Secrets, formulas and long texts typed by residents, one resident after another."""
    size = 5_000 if small else 50_000
    texts = [*SECRET_MESSAGES, *FORMULAS, *long_texts(size)]
    if small:
        texts = [*SECRET_MESSAGES, *FORMULAS, *long_texts(size)[:4]]
    # A resident at a step with buttons types odd numbers for them.
    picker = "7700000000000077777"
    for i, text in enumerate(["#go:handoff", "Tôi cần hỏi về đất đai", *ODD_NUMBERS]):
        await sender.send(f"number {i}", sender.text_event(picker, text))
    users = [f"77000000000000{i:05d}" for i in range(4)]
    taken = 0  # secret messages the webhook accepted (so the search means something)
    for i, text in enumerate(texts):
        user = users[i % len(users)]
        status = await sender.send(f"text {i}", sender.text_event(user, text))
        taken += status == 200 and text in SECRET_MESSAGES
    return taken


def forged_bodies(sender: Sender) -> list[tuple[str, bytes, dict[str, str] | None]]:
    """(what, raw body, headers or None to sign it): calls that must get a 4xx."""
    user = "7700000000000099999"
    good = json.dumps(sender.text_event(user, "menu")).encode()
    ts = _timestamp_of(good)
    plain = {"Content-Type": "application/json"}
    foreign = signature_header(DEMO_APP_ID, b"{}", ts, DEMO_OA_SECRET_KEY)
    event = sender.text_event
    cases: list[tuple[str, bytes, dict[str, str] | None]] = [
        ("bad MAC", good, plain | {"X-ZEvent-Signature": "mac=" + "0" * 64}),
        ("no MAC", good, plain),
        ("MAC of another body", good, plain | {"X-ZEvent-Signature": foreign}),
        ("MAC with the wrong secret", good, plain | {"X-ZEvent-Signature": "mac=" + "f" * 64}),
        ("MAC not hex", good, plain | {"X-ZEvent-Signature": "mac=zz-not-hex"}),
    ]
    typed = [
        ("huge timestamp", event(user, "menu", ts="9" * 400)),
        ("negative timestamp", event(user, "menu", ts="-1")),
        ("float timestamp", event(user, "menu") | {"timestamp": 1.5e300}),
        (
            "text is a number (read as text: accepted)",
            event(user, "x") | {"message": {"msg_id": "1", "text": 12}},
        ),
        ("text is a list", event(user, "x") | {"message": {"msg_id": "2", "text": ["a"]}}),
        ("message is null", event(user, "x") | {"message": None}),
        ("sender is a string", event(user, "x") | {"sender": "me"}),
        ("sender id is an object", event(user, "x") | {"sender": {"id": {"a": 1}}}),
        ("event_name is a number", event(user, "x") | {"event_name": 7}),
        ("event_name is long", event(user, "x") | {"event_name": "e" * 5000}),
        ("no event_name", {k: v for k, v in event(user, "x").items() if k != "event_name"}),
        ("group event, users not a list", _group("user_out_group") | {"users": "all"}),
        ("group event, no group", _group("accept_request_join_group") | {"group_id": None}),
        ("group event, id too long", _group("reject_request_join_group") | {"group_id": "9" * 99}),
    ]
    cases += [(what, json.dumps(body).encode(), None) for what, body in typed]
    raw = [
        ("a JSON array", b"[1, 2, 3]"),
        ("a JSON string", b'"user_send_text"'),
        ("a JSON number", b"12345678901234567890123456789"),
        ("broken JSON", good[: len(good) // 2]),
        ("not UTF-8", b'{"event_name": "\xff\xfe"}'),
        ("empty body", b""),
        (
            "deeply nested JSON",
            b'{"event_name": "x", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        ),
        ("NaN timestamp", b'{"event_name": "follow", "timestamp": NaN}'),
        ("oversize body", json.dumps(event(user, "a" * 100_000)).encode()),
    ]
    cases += [(what, body, None) for what, body in raw]
    surrogate = json.dumps(event(user, "menu")).replace("menu", "menu\\ud800 \\udfff").encode()
    cases.append(("lone surrogates (signed, accepted)", surrogate, None))
    return cases


def _group(name: str) -> dict[str, Any]:
    return {
        "app_id": DEMO_APP_ID,
        "oa_id": DEMO_OA_ID,
        "group_id": "4a9bada229cec09099df",
        "event_name": name,
        "timestamp": str(int(time.time() * 1000)),
        "users": [{"id": "1"}],
    }


async def forged_inputs(sender: Sender) -> list[str]:
    """Send them all; the ones accepted although they should have been refused."""
    accepted = []
    for what, raw, headers in forged_bodies(sender):
        status = await sender.post(what, raw, headers=headers)
        if status < 400 and "accepted" not in what:
            accepted.append(f"{what}: {status}")
    return accepted


async def duplicates(sender: Sender, *, copies: int) -> str:
    """The same signed event `copies` times at once; its dedupe key."""
    event = sender.text_event("7700000000000088888", "menu")
    raw = json.dumps(event).encode()
    await asyncio.gather(*(sender.post("duplicate", raw) for _ in range(copies)))
    return f"msg:{event['message']['msg_id']}"


async def admin_inputs(http: httpx.AsyncClient, tally: Tally) -> None:
    calls = [
        ("GET", "/admin/stats?from=2026-13-45", ADMIN),
        ("GET", "/admin/stats?from=2026-12-01&to=2025-01-01", ADMIN),
        ("GET", "/admin/stats?village=%3Cscript%3E", ADMIN),
        ("GET", "/admin/stats", {"Authorization": "Bearer x"}),
        ("GET", "/admin/stats", {"Authorization": "Bearer " + "a" * 10_000}),
        ("GET", "/admin/login?error=%3Cscript%3Ealert(1)%3C/script%3E", {}),
        ("GET", "/admin/stats.csv?table=%00", ADMIN),
        ("POST", "/admin/campaigns", ADMIN),
    ]
    for method, path, headers in calls:
        body = {"text": ["not", "text"], "targets": 5} if method == "POST" else None
        response = await http.request(method, path, headers=headers, json=body)
        tally.add(f"{method} {path}", response.status_code)


def settle(engine: Any, timeout_s: float) -> None:
    """Until no event waits to be processed and no message waits to be sent (or time is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with read_scope(engine) as s:
            waiting = s.scalar(select(func.count()).where(InboundEvent.status == "pending"))
            sending = s.scalar(
                select(func.count()).where(Outbox.status.in_(("pending", "sending")))  # type: ignore[attr-defined]
            )
        if waiting == 0 and sending == 0:
            return
        time.sleep(0.2)


def holds(text: str, secret: str) -> bool:
    """`secret` stands in `text` as a token of its own (a Zalo id may hold an OTP's digits)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


def leaks(where: str, text: str) -> list[str]:
    squeezed = re.sub(r"\s+", "", text)
    found = []
    for name, secret in SECRETS.items():
        if holds(text, secret) or holds(squeezed, re.sub(r"\s+", "", secret)):
            found.append(f"{name} in {where}")
    return found


def database_dump(engine: Any) -> dict[str, str]:
    metadata = MetaData()
    metadata.reflect(bind=engine)
    tables = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            tables[table.name] = "\n".join(
                json.dumps([str(v) for v in r], ensure_ascii=False) for r in rows
            )
    return tables


def formula_cells(text: str) -> list[str]:
    """CSV cells a spreadsheet would run: beginning with = + - @, a tab or CR, and not a
    plain number."""
    bad = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(
                r"-?\d+([.,]\d+)?%?", cell
            ):
                bad.append(cell[:40])
    return bad


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@contextmanager
def running_app(directory: Path) -> Iterator[tuple[str, Any]]:
    """The real app on a fresh, migrated SQLite database: (base URL, engine)."""
    from bot.main import create_app
    from tests.live import live_settings
    from tests.servers import free_port, serve_in_thread

    url = f"sqlite:///{directory / 'hostile.db'}"
    upgrade(url)
    port = free_port()
    app = create_app(live_settings(url, port))
    with serve_in_thread(app, port) as base:
        yield base, app.state.runtime.engine


async def attack(base: str, engine: Any, *, small: bool) -> dict[str, Any]:
    tally = Tally()
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as http:
        await add_sim_users(
            http, [f"77000000000000{i:05d}" for i in range(4)] + ["7700000000000088888"]
        )
        sender = Sender(http, tally)
        secrets_taken = await resident_inputs(sender, small=small)
        forged_accepted = await forged_inputs(sender)
        key = await duplicates(sender, copies=50 if small else 2000)
        await admin_inputs(http, tally)
        await asyncio.to_thread(settle, engine, 60 if small else 300)
        rollup.run_all(lambda: session_scope(engine))
        csv_text = (await http.get("/admin/stats.csv", headers=ADMIN)).text
        sent = (await http.get("/_sim/outbox")).text
    with read_scope(engine) as s:
        copies = s.scalar(select(func.count()).where(InboundEvent.dedupe_key == key))
        failed = [
            f"{e.event_name}: {(e.error or '')[:120]}"
            for e in s.scalars(select(InboundEvent).where(InboundEvent.status == "failed"))
        ]
    return {
        "tally": tally,
        "csv": csv_text,
        "sent_to_zalo": sent,
        "duplicate_rows": int(copies or 0),
        "failed_events": failed,
        "forged_accepted": forged_accepted,
        "secret_messages_accepted": secrets_taken,
    }


def run(*, small: bool = False) -> dict[str, Any]:
    """The whole run; the figures as a dict (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as tmp, captured_logs() as logs:
        with running_app(Path(tmp)) as (base, engine):
            outcome = asyncio.run(attack(base, engine, small=small))
            tables = database_dump(engine)
        log_text = logs.getvalue()
    found = [f for name, text in tables.items() for f in leaks(f"table {name}", text)]
    found += leaks("the log output", log_text)
    found += leaks("what was sent to Zalo", outcome["sent_to_zalo"])
    tally: Tally = outcome["tally"]
    formulas = formula_cells(outcome["csv"])
    return {
        "inputs_tried": tally.inputs,
        "responses": dict(sorted(tally.statuses.items())),
        "server_errors_5xx": len(tally.server_errors),
        "server_error_inputs": tally.server_errors,
        "secret_messages_accepted": outcome["secret_messages_accepted"],
        "secrets_found": len(found),
        "secret_places": found,
        "tables_scanned": len(tables),
        "log_lines_scanned": log_text.count("\n"),
        "csv_formula_cells": len(formulas),
        "duplicate_event_rows": outcome["duplicate_rows"],
        "forged_accepted": outcome["forged_accepted"],
        "failed_events": len(outcome["failed_events"]),
        "failed_event_errors": outcome["failed_events"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the quick version")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    started = time.monotonic()
    figures = run(small=args.small)
    figures["seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")
    bad = (
        figures["server_errors_5xx"]
        or figures["secrets_found"]
        or figures["csv_formula_cells"]
        or figures["duplicate_event_rows"] != 1
        or figures["failed_events"]
        or figures["forged_accepted"]
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
