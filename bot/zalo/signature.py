"""Webhook MAC: sha256_hex(app_id + raw_body + timestamp + oa_secret_key), not an HMAC.

The header is ``X-ZEvent-Signature: mac=<64 hex>``; the ``mac=`` prefix is optional.
Compare in constant time, over the exact bytes received, never a re-serialisation.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

HEADER = "X-ZEvent-Signature"


@dataclass(frozen=True)
class MacFormula:
    """One way of building the MAC: `first` + body + timestamp + `secret`."""

    name: str
    first: str
    secret: str


def compute_mac(first: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """Hex SHA-256 over first + body + timestamp + secret (first is normally the app id)."""
    digest = hashlib.sha256()
    digest.update(first.encode())
    digest.update(raw_body)
    digest.update(timestamp.encode())
    digest.update(secret.encode())
    return digest.hexdigest()


def signature_header(first: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    return "mac=" + compute_mac(first, raw_body, timestamp, secret)


def parse_header(value: str | None) -> str | None:
    """The hex digest carried by the header, with or without ``mac=``; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value[:4].lower() == "mac=":
        value = value[4:]
    return value.lower() or None


def verify(
    header: str | None, raw_body: bytes, timestamp: str, formulas: list[MacFormula]
) -> str | None:
    """The name of the formula that produced the header's MAC, or None."""
    given = parse_header(header)
    if given is None:
        return None
    matched = None
    for formula in formulas:
        expected = compute_mac(formula.first, raw_body, timestamp, formula.secret)
        # Check every formula so the timing does not tell which one is configured.
        if hmac.compare_digest(expected.encode(), given.encode()) and matched is None:
            matched = formula.name
    return matched


def mac_formulas(
    *, app_id: str, oa_id: str, oa_secret_key: str, app_secret: str, variants: tuple[str, ...]
) -> list[MacFormula]:
    """The documented formula first, then the variants an operator switched on (see README)."""
    out = [MacFormula("app_id", app_id, oa_secret_key)]
    if "oa_id" in variants:
        out.append(MacFormula("oa_id", oa_id, oa_secret_key))
    if "app_secret" in variants:
        out.append(MacFormula("app_secret", app_id, app_secret))
    return out
