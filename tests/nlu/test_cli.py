"""`bot route TEXT [--json]` and `bot route --batch`, through `bot.cli.main`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import cli
from bot.commands import route as route_commands
from bot.nlu.intents import DEFAULT_CONTENT_DIR


@pytest.fixture(autouse=True)
def only_route_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other features register their own commands; these tests need only this one.
    monkeypatch.setattr(cli, "commands", lambda: (route_commands.register,))


def test_route_module_is_listed_in_the_real_cli() -> None:
    # `commands` is patched for these tests; the core list is not.
    assert route_commands.register in cli.core_commands()


def test_route_fills_procedure_exactly_as_chat(capsys: pytest.CaptureFixture[str]) -> None:
    text = "ca8n cu7o71c bi ma61t lam lai ntn vay"
    chat = route_commands.chat_routing(DEFAULT_CONTENT_DIR)
    in_chat = chat.router.route(text, procedure_lookup=chat.lookup)
    assert in_chat.procedure is not None
    assert cli.main(["route", text, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["intent"], out["procedure"]) == (in_chat.intent, in_chat.procedure)


def test_json_has_the_ask_instead_of_guessing_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "quên mật khẩu vneid", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out["uncertain"], bool)
    assert out["alternatives"][0]["intent"] == "vneid"


def test_json_output_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "quên mật khẩu vneid", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"intent", "flow", "procedure", "confidence"} <= set(out)
    assert out["intent"] == "vneid"
    assert out["flow"] == "vneid"
    assert isinstance(out["confidence"], float)
    assert 0.0 <= out["confidence"] <= 1.0


def test_unknown_has_no_flow(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "???", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["intent"], out["flow"], out["procedure"]) == ("unknown", None, None)


def test_plain_output_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "có người gọi bảo cập nhật vneid"]) == 0
    out = capsys.readouterr().out
    assert "intent: scam_check" in out
    assert "cue:có người gọi" in out


def test_batch_answers_every_line_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["alo", "làm căn cước cho con", "https://bit.ly/x1", "cảm ơn nhiều nha", "???"]
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in texts]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["route", "--batch"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["intent"] for r in results] == [
        "greeting",
        "procedure",
        "scam_check",
        "thanks",
        "unknown",
    ]
    assert all({"intent", "flow", "procedure", "confidence"} <= set(r) for r in results)


def test_batch_reports_bad_lines_and_keeps_going(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('not json\n{"query": "x"}\n{"text": "alo"}\n'))
    assert cli.main(["route", "--batch"]) == 1
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "error" in results[0]
    assert "error" in results[1]
    assert results[2]["intent"] == "greeting"


def test_text_and_batch_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "alo", "--batch"]) == 2
    assert cli.main(["route"]) == 2
    assert "give TEXT" in capsys.readouterr().err


def test_broken_content_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "alo", "--content-dir", str(tmp_path)]) == 1
    assert "cannot read" in capsys.readouterr().err
