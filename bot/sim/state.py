"""The simulator's in-memory world: the app and OA, users, groups, tokens, what was sent.

Everything time-dependent reads `SimState.now_ms()`, a clock tests can freeze or move.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


def new_id() -> str:
    """A Zalo-style id: 20 lowercase hex characters."""
    return secrets.token_hex(10)


def new_numeric_id() -> str:
    """A Zalo-style user id: 19 digits, as a string."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


DAY_MS = 86_400_000


@dataclass
class SimConfig:
    app_id: str
    app_secret: str
    oa_id: str
    oa_secret_key: str
    webhook_url: str | None = None
    redirect_uri: str | None = None
    retry_speedup: float = 1.0
    oa_verified: bool = True
    oa_package: str = "premium"
    rate_limit_per_min: int = 4000
    token_ttl_s: int = 90000
    echo_delay_ms: int = 30
    oa_name: str = "OA xã (giả lập)"


@dataclass
class SimUser:
    user_id: str
    user_id_by_app: str
    display_name: str
    follower: bool = False
    last_interaction_ms: int | None = None
    blocked: bool = False
    inactive: bool = False
    cs_free_used: int = 0
    avatar: str = "https://example.invalid/avatar.png"
    tags: set[str] = field(default_factory=set)
    shared_info: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "user_id_by_app": self.user_id_by_app,
            "display_name": self.display_name,
            "follower": self.follower,
            "last_interaction_ms": self.last_interaction_ms,
            "blocked": self.blocked,
            "inactive": self.inactive,
            "tags": sorted(self.tags),
        }


@dataclass
class SimGroup:
    group_id: str
    name: str
    members: set[str] = field(default_factory=set)
    oa_member: bool = True
    disabled: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "name": self.name,
            "members": sorted(self.members),
            "oa_member": self.oa_member,
            "disabled": self.disabled,
        }


@dataclass
class Sent:
    """One accepted send, as the control API's outbox shows it."""

    seq: int
    message_id: str
    endpoint: str
    recipient: str
    recipient_kind: str  # user | group
    body: dict[str, Any]
    sent_at_ms: int

    def public(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "message_id": self.message_id,
            "endpoint": self.endpoint,
            "recipient": self.recipient,
            "recipient_kind": self.recipient_kind,
            "body": self.body,
            "sent_at": self.sent_at_ms,
        }


@dataclass
class Inbound:
    """A message a user sent to the OA (kept for the conversation history)."""

    message_id: str
    user_id: str
    kind: str
    text: str
    at_ms: int


@dataclass
class Fault:
    route: str
    error_code: int | None = None
    http_status: int | None = None
    delay_ms: int = 0
    count: int = 1
    # Apply after the message was accepted (the answer is lost or late): the "uncertain" window.
    after_accept: bool = False


DEFAULT_SWITCHES: dict[str, Any] = {
    "mac_variant": "app_id",  # app_id | oa_id | app_secret | no_prefix
    "duplicate_delivery": False,
    "out_of_order": False,
    "drop_receipts": False,
    "expired_code": -216,  # or -220
    "http401_on_expired": False,
    "require_appsecret_proof": False,
    "cs_free_cap": None,  # None = unlimited; 8 for the old model
    # -320 or -321: billed CS sends (48 h to 7 days) are refused, the OA's Zalo Cloud
    # Account being unlinked or unfunded; None = the account pays.
    "zca_billing": None,
    "rate_limit_per_min": None,  # None = config value
    "token_ttl_s": None,  # None = config value
    "transaction_api": "reject",  # accept | reject
    "echo": True,
    "full_address_form": False,
}


class SimState:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self.switches: dict[str, Any] = dict(DEFAULT_SWITCHES)
        self.clock_offset_ms = 0
        self.frozen_ms: int | None = None
        self.users: dict[str, SimUser] = {}
        self.groups: dict[str, SimGroup] = {}
        self.access_tokens: dict[str, int] = {}  # token -> expires_at_ms
        self.refresh_tokens: dict[str, tuple[int, bool]] = {}  # token -> (expires, used)
        self.auth_codes: dict[str, tuple[str, int, bool]] = {}  # code -> (challenge, exp, used)
        self.outbox: list[Sent] = []
        self.inbound: list[Inbound] = []
        self.uploads: dict[str, tuple[str, int]] = {}
        self.faults: list[Fault] = []
        self.webhook_log: deque[dict[str, Any]] = deque(maxlen=5000)
        self.webhook_disabled = False
        self.refresh_count = 0
        self.refresh_reuse_attempts = 0
        self.tags: set[str] = set()
        self.bucket_tokens: float | None = None
        self.bucket_stamp = time.monotonic()
        self._seq = 0

    # -- clock -------------------------------------------------------------------------------

    def now_ms(self) -> int:
        if self.frozen_ms is not None:
            return self.frozen_ms
        return int(time.time() * 1000) + self.clock_offset_ms

    # -- ids ---------------------------------------------------------------------------------

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- settings that switches may override ---------------------------------------------------

    @property
    def token_ttl_ms(self) -> int:
        ttl = self.switches.get("token_ttl_s") or self.config.token_ttl_s
        return int(ttl) * 1000

    @property
    def rate_per_min(self) -> int:
        return int(self.switches.get("rate_limit_per_min") or self.config.rate_limit_per_min)

    def take_rate_token(self) -> tuple[bool, int]:
        """Token bucket per app; (allowed, remaining)."""
        capacity = float(self.rate_per_min)
        now = time.monotonic()
        if self.bucket_tokens is None:
            self.bucket_tokens = capacity
        self.bucket_tokens = min(
            capacity, self.bucket_tokens + (now - self.bucket_stamp) * capacity / 60.0
        )
        self.bucket_stamp = now
        if self.bucket_tokens < 1:
            return False, 0
        self.bucket_tokens -= 1
        return True, int(self.bucket_tokens)

    # -- tokens ------------------------------------------------------------------------------

    def issue_pair(self) -> dict[str, str]:
        access, refresh = "sim-at-" + new_id() + new_id(), "sim-rt-" + new_id() + new_id()
        now = self.now_ms()
        self.access_tokens[access] = now + self.token_ttl_ms
        self.refresh_tokens[refresh] = (now + 90 * DAY_MS, False)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": str(self.token_ttl_ms // 1000),
        }

    # -- users -------------------------------------------------------------------------------

    def add_user(
        self,
        *,
        display_name: str,
        user_id: str | None = None,
        follower: bool = False,
        last_interaction_ms: int | None = None,
        blocked: bool = False,
        inactive: bool = False,
    ) -> SimUser:
        uid = user_id or new_numeric_id()
        user = self.users.get(uid)
        if user is None:
            user = SimUser(uid, new_numeric_id(), display_name)
            self.users[uid] = user
        user.display_name = display_name
        user.follower = follower
        user.last_interaction_ms = last_interaction_ms
        user.blocked = blocked
        user.inactive = inactive
        return user

    def interacted(self, user: SimUser) -> None:
        user.last_interaction_ms = self.now_ms()
        user.cs_free_used = 0

    def take_fault(self, route: str) -> Fault | None:
        for fault in self.faults:
            if fault.route == route and fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None
