"""`bot procedures …` through the real command-line entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import bot.cli
from bot.features.procedures import commands as procedure_commands
from tests.procedures.conftest import national_record, write_jsonl


@pytest.fixture(autouse=True)
def _only_this_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other features' command modules are not part of this package's tests.
    monkeypatch.setattr(bot.cli, "commands", lambda: (procedure_commands.register,))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = bot.cli.main(["procedures", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_search_json_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "mất căn cước làm lại ở đâu", "--json", "--limit", "3")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 3
    assert hits[0]["code"] == "1.014064"
    assert set(hits[0]) == {"code", "name", "score"}
    assert "curated procedures only" in err


def test_search_batch_answers_each_line_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = "\n".join(
        [
            json.dumps({"query": "nhap ho khau cho vo"}),
            "not json",
            json.dumps({"query": "xin giấy xác nhận độc thân"}),
            json.dumps({"text": "wrong field"}),
        ]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(lines + "\n"))
    code, out, _ = run(capsys, "search", "--batch")
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == 4
    assert answers[0][0]["code"] == "1.004222"
    assert "error" in answers[1]
    assert answers[2][0]["code"] == "1.004873"
    assert "error" in answers[3]
    assert code == 1  # some lines were not queries


def test_search_text_output_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "đăng ký kết hôn")
    assert code == 0 and "1.000894" in out.splitlines()[0]
    assert run(capsys, "search")[0] == 2
    assert run(capsys, "search", "x", "--limit", "0")[0] == 2


def test_search_uses_imported_records_and_the_cache(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "bees.jsonl", [national_record()])
    assert run(capsys, "import", str(path), "--database-url", db_url)[0] == 0
    for _ in range(2):  # the second run reads the cached index
        code, out, _ = run(capsys, "search", "nuôi ong", "--json", "--database-url", db_url)
        assert code == 0
        assert json.loads(out)[0]["code"] == "9.000101"
    cache = list((tmp_path / "cache").glob("procedures-index-*.pickle"))
    assert len(cache) == 1
    # A change in the database is seen at once (the cache key includes it).
    changed = write_jsonl(tmp_path / "b.jsonl", [national_record(ma_thu_tuc="9.000102")])
    run(capsys, "import", str(changed), "--database-url", db_url)
    code, out, _ = run(capsys, "search", "nuôi ong", "--json", "--database-url", db_url)
    assert {h["code"] for h in json.loads(out)} >= {"9.000101", "9.000102"}


def test_import_reports_counts_and_reasons_and_is_idempotent(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [national_record(), "{broken", national_record(ma_thu_tuc="x", ten_thu_tuc="Y")],
    )
    code, out, _ = run(capsys, "import", str(path), "--database-url", db_url)
    assert code == 0
    assert "3 records: 1 added, 0 updated, 0 unchanged, 2 rejected" in out
    assert "rejected line 2: not JSON" in out
    assert "rejected line 3 (x): ma_thu_tuc 'x' is not a national procedure code" in out
    code, out, _ = run(capsys, "import", str(path), "--database-url", db_url, "--json")
    report = json.loads(out)
    assert (report["added"], report["updated"], report["unchanged"], report["rejected"]) == (
        0,
        0,
        1,
        2,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("", "is empty"),
        ("[{", "is not valid JSON"),
        ("hello", "has no JSON record"),
    ],
)
def test_import_unreadable_input_exits_1(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    tmp_path: Path,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "input.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "import", str(path), "--database-url", db_url)
    assert code == 1
    assert message in err


def test_list_verify_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--verify")
    assert code == 0
    assert "1.001193" in out and "verify:" in out
    assert "1.004222" not in out  # nothing to verify there
    code, out, _ = run(capsys, "list", "--json")
    listed = json.loads(out)
    assert len(listed) >= 37 and all(item["origin"] == "curated" for item in listed)
    code, out, _ = run(capsys, "show", "1.004222")
    assert code == 0 and "CT01" in out and "--- buttons:" in out
    code, out, _ = run(capsys, "show", "1.004222", "--more")
    assert code == 0 and "Căn cứ pháp lý" in out
    assert run(capsys, "show", "9.999999")[0] == 1


def test_import_into_an_unmigrated_database_says_what_to_do(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [national_record()])
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, _, err = run(capsys, "import", str(path), "--database-url", url)
    assert code == 1
    assert "bot db upgrade" in err
