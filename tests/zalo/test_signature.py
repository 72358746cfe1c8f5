"""Webhook MAC: sha256(app_id + body + timestamp + OA secret), with or without `mac=`."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from bot.zalo.signature import MacFormula, compute_mac, mac_formulas, signature_header, verify

APP, OA, SECRET, APP_SECRET = "3608465248940903967", "3886132808798080645", "oa-secret", "app-s"
BODY = b'{"event_name":"user_send_text","timestamp":"1731900000123"}'
TS = "1731900000123"
FORMULAS = [MacFormula("app_id", APP, SECRET)]


def test_mac_is_plain_sha256_of_the_concatenation() -> None:
    expected = hashlib.sha256(APP.encode() + BODY + TS.encode() + SECRET.encode()).hexdigest()
    assert compute_mac(APP, BODY, TS, SECRET) == expected


def test_good_signature_with_and_without_prefix() -> None:
    header = signature_header(APP, BODY, TS, SECRET)
    assert header.startswith("mac=")
    assert verify(header, BODY, TS, FORMULAS) == "app_id"
    assert verify(header.removeprefix("mac="), BODY, TS, FORMULAS) == "app_id"
    assert verify(header.upper().replace("MAC=", "mac="), BODY, TS, FORMULAS) == "app_id"


def test_missing_or_wrong_signature() -> None:
    assert verify(None, BODY, TS, FORMULAS) is None
    assert verify("", BODY, TS, FORMULAS) is None
    assert verify("mac=", BODY, TS, FORMULAS) is None
    assert verify("mac=" + "0" * 64, BODY, TS, FORMULAS) is None
    wrong_secret = signature_header(APP, BODY, TS, "other")
    assert verify(wrong_secret, BODY, TS, FORMULAS) is None


def test_variants_only_when_switched_on() -> None:
    oa_first = signature_header(OA, BODY, TS, SECRET)
    app_secret_last = signature_header(APP, BODY, TS, APP_SECRET)
    strict = mac_formulas(
        app_id=APP, oa_id=OA, oa_secret_key=SECRET, app_secret=APP_SECRET, variants=()
    )
    assert verify(oa_first, BODY, TS, strict) is None
    assert verify(app_secret_last, BODY, TS, strict) is None
    tolerant = mac_formulas(
        app_id=APP,
        oa_id=OA,
        oa_secret_key=SECRET,
        app_secret=APP_SECRET,
        variants=("oa_id", "app_secret"),
    )
    assert verify(oa_first, BODY, TS, tolerant) == "oa_id"
    assert verify(app_secret_last, BODY, TS, tolerant) == "app_secret"


@given(st.binary(min_size=1, max_size=300), st.integers(min_value=0), st.data())
def test_any_tampering_with_body_or_timestamp_fails(
    body: bytes, ts: int, data: st.DataObject
) -> None:
    header = signature_header(APP, body, str(ts), SECRET)
    assert verify(header, body, str(ts), FORMULAS) == "app_id"
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    flipped = bytearray(body)
    flipped[index] ^= data.draw(st.integers(min_value=1, max_value=255))
    assert verify(header, bytes(flipped), str(ts), FORMULAS) is None
    assert verify(header, body, str(ts + 1), FORMULAS) is None
