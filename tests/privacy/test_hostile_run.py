"""The hostile run of scripts/hostile_run.py, small: crafted inputs against the real app and
simulator leave no 5xx, no secret in any table, log or message sent, no CSV formula."""

from __future__ import annotations

from scripts.hostile_run import SECRET_MESSAGES, run


def test_a_small_hostile_run_finds_no_5xx_and_no_secret() -> None:
    figures = run(small=True)
    assert figures["inputs_tried"] > len(SECRET_MESSAGES) + 40
    assert figures["server_errors_5xx"] == 0, figures["server_error_inputs"]
    assert figures["responses"].get("4xx", 0) >= 30  # the forged and malformed calls
    assert figures["secret_messages_accepted"] == len(SECRET_MESSAGES)
    assert figures["secrets_found"] == 0, figures["secret_places"]
    assert figures["tables_scanned"] > 20 and figures["log_lines_scanned"] > 0
    assert figures["csv_formula_cells"] == 0
    assert figures["duplicate_event_rows"] == 1
    assert figures["forged_accepted"] == []
    assert figures["failed_events"] == 0, figures["failed_event_errors"]
