"""Production settings for tests: the real app in BOT_MODE=production with strong secrets."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tests.live import Live, run_live

APP_ID, OA_ID = "9100000000000000011", "9200000000000000022"
APP_SECRET = "Xq7pL2vN9sR4tW8yB3mK"  # 20 characters, as the Zalo console shows them
OA_SECRET_KEY = "Hc5jT1uZ6gF0dQ3eA9wP"
ADMIN_TOKEN = "zb_4fK9qLm2Xv7RtP0sWc3YbN8hJd6GeA1u"
METRICS_TOKEN = "mt_Vb8nQ2rT5wY9zK3mP7xL1cF6hJ4sD0gA"

PRODUCTION: dict[str, Any] = {
    "bot_mode": "production",
    "zalo_app_id": APP_ID,
    "zalo_oa_id": OA_ID,
    "zalo_app_secret": APP_SECRET,
    "zalo_oa_secret_key": OA_SECRET_KEY,
    "admin_token": ADMIN_TOKEN,
}

ENVIRONMENT = {
    "BOT_MODE": "production",
    "ZALO_APP_ID": APP_ID,
    "ZALO_OA_ID": OA_ID,
    "ZALO_APP_SECRET": APP_SECRET,
    "ZALO_OA_SECRET_KEY": OA_SECRET_KEY,
    "ADMIN_TOKEN": ADMIN_TOKEN,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def served(db_url: str, **settings: Any) -> Iterator[Live]:
    """The real app on `db_url` with these settings, serving until the block ends."""
    running = run_live(db_url, **settings)
    try:
        yield next(running)
    finally:
        running.close()
