"""Settings: the one configuration object, read from the environment (and `.env` when present).

Nothing here is built at import time. `get_settings()` builds and caches the object;
tests build their own `Settings(...)` and hand it to `create_app(settings)`.
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from datetime import tzinfo
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent

# Values that ship with the project for the demo. Production refuses every one of them.
DEMO_APP_ID = "3608465248940903967"
DEMO_OA_ID = "3886132808798080645"
DEMO_APP_SECRET = "demo-app-secret-not-for-production"
DEMO_OA_SECRET_KEY = "demo-oa-secret-key-not-for-production"
DEMO_ADMIN_TOKEN = "demo-admin-token-not-for-production"
# What texts call the commune until the organisation data names it.
DEFAULT_COMMUNE = "xã"
DEMO_SECRETS = frozenset({DEMO_APP_SECRET, DEMO_OA_SECRET_KEY, DEMO_ADMIN_TOKEN})
# Production's floor for secrets: the Zalo console's App Secret and OA Secret Key are 20
# random characters; our own bearer tokens (ADMIN_TOKEN, METRICS_TOKEN) at least 32.
MIN_ZALO_SECRET_CHARS = 16
MIN_TOKEN_CHARS = 32
MIN_DISTINCT_CHARS = 10
MIN_BITS_PER_CHAR = 3.0
ZALO_SECRETS = ("zalo_app_secret", "zalo_oa_secret_key")
TOKENS = ("admin_token", "metrics_token")


def is_demo_secret(value: str) -> bool:
    """A demo secret, even with spaces around it, in other letter case or inside a longer one."""
    folded = value.strip().casefold()
    return any(demo in folded for demo in DEMO_SECRETS)


def bits_per_char(value: str) -> float:
    """Shannon entropy of the characters of `value`, in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def secret_weakness(value: str, min_chars: int) -> str | None:
    """Why `value` is too weak to guard production (never quoting it), or None."""
    if value != value.strip():
        return "has spaces around it"
    if len(value) < min_chars:
        return f"is shorter than {min_chars} characters"
    if len(set(value)) < MIN_DISTINCT_CHARS or bits_per_char(value) < MIN_BITS_PER_CHAR:
        return "is too predictable (too few different characters): use a random value"
    return None


class Settings(BaseSettings):
    """Every setting the bot, the scheduler and the tools read."""

    # Errors never quote the input: it holds the secrets.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    bot_mode: Literal["demo", "production"] = "demo"
    database_url: str = "sqlite:///./data/bot.db"
    bot_timezone: str = "Asia/Ho_Chi_Minh"
    host: str = "127.0.0.1"
    port: int = 8000
    # The address Zalo (or the simulator) reaches the bot at, used for the webhook URL.
    public_base_url: str | None = None
    log_level: str = "INFO"

    # Zalo app and OA
    zalo_app_id: str = DEMO_APP_ID
    zalo_app_secret: SecretStr = SecretStr(DEMO_APP_SECRET)
    zalo_oa_id: str = DEMO_OA_ID
    zalo_oa_secret_key: SecretStr = SecretStr(DEMO_OA_SECRET_KEY)
    zalo_openapi_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_oauth_redirect_uri: str | None = None
    # Other MAC formulas to accept while the real one is being confirmed (see README).
    zalo_mac_variants: tuple[Literal["oa_id", "app_secret"], ...] = ()
    zalo_http_timeout_s: float = 10.0
    zalo_menu_image_url: str | None = None
    # Refresh the access token when fewer than this many seconds remain.
    token_refresh_margin_s: int = 5 * 3600

    # Webhook
    webhook_max_body_bytes: int = 64 * 1024
    # Expose /webhook/baseline (reads the body, answers 200) for benchmarks; on in demo mode.
    bench_endpoints: bool = False

    # Outbox
    outbox_rate_per_s: float = 20.0
    outbox_concurrency: int = 8
    outbox_max_attempts: int = 8
    outbox_backoff_base_s: float = 1.0
    outbox_backoff_max_s: float = 300.0
    outbox_lease_s: float = 60.0
    outbox_poll_s: float = 0.5
    # How long an uncertain send waits for Zalo's echo before the conversation history is read.
    outbox_echo_grace_s: float = 10.0
    # A billed send (48 h to 7 days after the resident's last interaction) refused because the
    # OA's Zalo Cloud Account cannot pay (-320/-321) is held this long, then tried again; it
    # goes out at once when the resident writes again (the free 48-hour window reopens).
    outbox_billing_retry_s: float = Field(default=1800.0, gt=0)

    # Conversations
    flow_idle_timeout_min: int = 30
    processor_max_attempts: int = 3
    # Web workers process the events they store (one process does everything). Off: they
    # only store and acknowledge, and `bot worker` processes do the rest (see README, scale).
    web_processes_events: bool = True
    # How often a `bot worker` looks for newly stored events, and its CPU priority (nice):
    # acknowledging Zalo within 2 s matters more than replying a few ms sooner.
    worker_poll_s: float = Field(default=0.1, gt=0)
    worker_nice: int = Field(default=10, ge=0, le=19)

    # Content and data files
    content_dir: Path = PACKAGE_DIR / "content"
    org_file: Path | None = None
    scam_blocklist_path: Path | None = None
    scam_model_path: Path | None = None
    # Where `bot procedures search` keeps its built index between runs; empty disables it.
    procedures_cache_dir: Path | None = Path("data/cache")

    # Admin
    admin_token: SecretStr | None = None
    # /metrics: open in demo mode; in production it needs `Authorization: Bearer
    # <METRICS_TOKEN>` unless METRICS_PUBLIC is set (closed when neither is).
    metrics_token: SecretStr | None = None
    metrics_public: bool = False
    # /docs, /redoc and /openapi.json: default on in demo mode, off in production.
    api_docs: bool | None = None
    # /readyz answers "not ready" when the disk holding the data has less free space (0: off).
    readyz_min_free_mb: int = Field(default=100, ge=0)
    admin_rate_limit_per_min: int = 30
    # How many client addresses the failure limiter remembers at most; beyond that the one
    # that failed least recently is forgotten, so a flood of addresses cannot grow the memory.
    admin_rate_limit_max_clients: int = Field(default=10_000, ge=1)
    # Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated: "10.0.0.2,172.18.0.0/16"). Empty (the default): none is, and
    # the connecting address is the client's.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()

    # Personal data: raw payloads and message texts are emptied after this many days.
    privacy_retention_days: int = Field(default=30, ge=1)

    # Scheduler
    scheduler_in_app: bool | None = None  # default: True in demo mode, False in production
    scheduler_lock_ttl_s: int = 30

    # Handoff and broadcasts
    handoff_escalate_after_min: int = 30
    # Guided online filing: a resident quiet at a step this long gets one gentle follow-up
    # (only inside Zalo's free 48-hour window).
    online_filing_quiet_after_min: int = 120
    relay_reminder_after_min: int = 120
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "07:00"
    campaign_grace_min: int = 60
    campaign_requires_approval: bool = False
    # Followers get campaign posts only within this many hours of their last interaction
    # (Zalo's free consultation window is 48 h; 168 h = the 7-day paid window).
    campaign_window_hours: int = 48
    # Residents are invited to subscribe to village news at most once in this many days.
    news_offer_every_days: int = Field(default=30, ge=1)
    # How often the active scheduler looks for due campaigns and follows up deliveries.
    campaign_tick_s: float = 15.0
    # The TrueType font of the monthly report's PDF (it must cover Vietnamese); the bold face
    # is read from "<name>-Bold.ttf" beside it when there. Debian: fonts-dejavu-core.
    report_font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

    # Simulator (demo mode and tests only)
    sim_retry_speedup: float = Field(default=1.0, gt=0)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        out = []
        for item in (str(i).strip() for i in items):
            if not item:
                continue
            try:
                out.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                msg = f"TRUSTED_PROXIES: {item!r} is not an IP address or network"
                raise ValueError(msg) from None
        return tuple(out)

    @model_validator(mode="after")
    def _refuse_demo_secrets_in_production(self) -> Settings:
        if self.bot_mode != "production":
            return self
        problems = []
        for name in (*ZALO_SECRETS, *TOKENS):
            value: SecretStr | None = getattr(self, name)
            if value is None:
                continue
            secret = value.get_secret_value()
            if is_demo_secret(secret):
                problems.append(f"{name.upper()} still has the demo value")
                continue
            if not secret and name in ZALO_SECRETS:
                problems.append(f"{name.upper()} is empty")
                continue
            floor = MIN_ZALO_SECRET_CHARS if name in ZALO_SECRETS else MIN_TOKEN_CHARS
            weakness = secret_weakness(secret, floor)
            if weakness is not None:
                problems.append(f"{name.upper()} {weakness}")
        if self.zalo_app_id == DEMO_APP_ID or self.zalo_oa_id == DEMO_OA_ID:
            problems.append("ZALO_APP_ID / ZALO_OA_ID still have the demo values")
        if problems:
            msg = "production mode refuses to start: " + "; ".join(problems)
            raise ValueError(msg)
        return self

    @property
    def is_demo(self) -> bool:
        return self.bot_mode == "demo"

    @property
    def serve_api_docs(self) -> bool:
        return self.is_demo if self.api_docs is None else self.api_docs

    @property
    def data_dir(self) -> Path:
        """Where the data lives: the SQLite file's folder, else ./data (or the working folder)."""
        url = self.database_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url.removeprefix("sqlite:///").split("?", 1)[0]).parent
        return Path("data")

    @property
    def run_scheduler_in_app(self) -> bool:
        return self.is_demo if self.scheduler_in_app is None else self.scheduler_in_app

    @cached_property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def webhook_url(self) -> str:
        base = self.public_base_url or f"http://{self.host}:{self.port}"
        return base.rstrip("/") + "/webhook/zalo"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
