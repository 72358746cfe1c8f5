"""Production refuses weak or demo secrets at start-up, and no token's characters are stored:
a token row keeps its hash and a non-secret label."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.config import DEMO_ADMIN_TOKEN, DEMO_APP_SECRET, DEMO_OA_SECRET_KEY, Settings
from db.admin import hash_token
from db.migrate import upgrade
from db.session import make_engine
from tests.production.settings import PRODUCTION
from tests.servers import ROOT

WEAK = [
    ("zalo_oa_secret_key", "x"),
    ("zalo_app_secret", "short-secret"),
    ("zalo_oa_secret_key", "a" * 40),  # long, but one character
    ("zalo_app_secret", "abababababababababababab"),
    ("admin_token", "a"),
    ("admin_token", "Zx8" + "q" * 28),  # 31 characters
    ("admin_token", "ab" * 20),  # 40 characters, two distinct
    ("metrics_token", "metrics"),
]
DEMO = [
    ("zalo_oa_secret_key", DEMO_OA_SECRET_KEY + " "),
    ("zalo_app_secret", " " + DEMO_APP_SECRET),
    ("admin_token", DEMO_ADMIN_TOKEN + "\t"),
    ("admin_token", DEMO_ADMIN_TOKEN.upper()),
]


@pytest.mark.parametrize(("name", "value"), WEAK)
def test_weak_secrets_are_refused_in_production(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name.upper()) as refused:
        Settings(**{**PRODUCTION, name: value})
    assert repr(value) not in str(refused.value)  # the message never quotes the secret


@pytest.mark.parametrize(("name", "value"), DEMO)
def test_padded_or_recased_demo_secrets_count_as_demo(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{name.upper()} still has the demo value"):
        Settings(**{**PRODUCTION, name: value})


def test_strong_secrets_start_and_demo_mode_keeps_its_defaults() -> None:
    assert Settings(**PRODUCTION).bot_mode == "production"
    assert Settings(bot_mode="demo", admin_token="a").admin_token is not None


def _bot(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "BOT_MODE": "demo"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_no_characters_of_a_token_are_stored_or_listed(sqlite_url: str) -> None:
    made = _bot(sqlite_url, "admin", "create-token", "--role", "official", "--label", "chi-lan")
    token = made.stdout.strip()
    assert token.startswith("zb_") and len(token) > 40
    engine = make_engine(sqlite_url)
    try:
        assert "prefix" not in {c["name"] for c in inspect(engine).get_columns("api_token")}
        with engine.connect() as conn:
            [row] = conn.execute(text("SELECT * FROM api_token")).mappings().all()
    finally:
        engine.dispose()
    assert row["label"] == "chi-lan"
    stored = " ".join(str(v) for v in row.values())
    # Not even the first characters after the fixed "zb_" start (the hash is 64 hex digits).
    assert token[3:9] not in stored
    listed = _bot(sqlite_url, "admin", "list-tokens").stdout
    assert "chi-lan" in listed and token[3:9] not in listed


def test_the_migration_replaces_stored_prefixes_with_labels(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0013_news_relay_groups")
    engine = make_engine(url)
    rows = [
        (hash_token(DEMO_ADMIN_TOKEN), "demo-adm", "bootstrap (ADMIN_TOKEN)", "admin"),
        (hash_token("zb_first"), "zb_first", "bootstrap (ADMIN_TOKEN)", "admin"),
        (hash_token("zb_second"), "zb_secon", "Chị Lan", "official"),
        (hash_token("zb_third"), "zb_third", "", "leader"),
    ]
    try:
        with engine.begin() as conn:
            for token_hash, prefix, name, role in rows:
                conn.execute(
                    text(
                        "INSERT INTO api_token (name, token_hash, prefix, role, villages,"
                        " created_at) VALUES (:n, :h, :p, :r, '[]', '2026-12-01 00:00:00')"
                    ),
                    {"n": name, "h": token_hash, "p": prefix, "r": role},
                )
        upgrade(url)
        with engine.connect() as conn:
            labels = conn.execute(text("SELECT label FROM api_token ORDER BY id")).scalars().all()
        columns = {c["name"] for c in inspect(engine).get_columns("api_token")}
    finally:
        engine.dispose()
    assert labels == ["demo", "bootstrap", "Chị Lan", "leader"]
    assert "prefix" not in columns
