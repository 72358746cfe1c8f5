"""`bot scam check` (text, --json, --batch) and `bot scam train`, through the real CLI entry."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.scam.test_analyzer import check_contract

# The real entry point, in a child process, limited to this feature's commands so the test
# does not depend on other features' modules being present.
ENTRY = (
    "import sys, bot.cli, bot.features.scam.commands as c; "
    "bot.cli.commands = lambda: (c.register,); "
    "sys.exit(bot.cli.main(sys.argv[1:]))"
)


def run(args: list[str], stdin: str = "", **extra_env: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCAM_")} | extra_env
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_check_json() -> None:
    code, out = run(["scam", "check", "--json", "Bấm vneid.com để nâng cấp định danh mức 2"])
    assert code == 0
    payload = json.loads(out)
    check_contract(payload)
    assert payload["risk"] == "high" and payload["is_scam"] is True
    assert payload["signals"][0]["code"] == "link_fake_gov"


def test_check_readable_vietnamese() -> None:
    code, out = run(["scam", "check", "Nạp đầu 50k nhận 150k, nổ hũ bắn cá"])
    assert code == 0
    assert "LỪA ĐẢO" in out
    assert "113" in out


def test_check_batch_keeps_order_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"text": "vietcombank-xacthuc.top"}),
        json.dumps({"text": "Mai họp thôn lúc 8 giờ"}),
        "not json",
        json.dumps({"query": "wrong field"}),
        json.dumps({"text": "Kết bạn Zalo nhận việc thả tim video, thu nhập 500k mỗi ngày"}),
    ]
    code, out = run(["scam", "check", "--batch"], "\n".join(lines) + "\n")
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # some lines were bad
    assert len(results) == 5
    check_contract(results[0])
    assert results[0]["is_scam"] is True
    assert results[1]["risk"] == "low"
    assert "error" in results[2] and "error" in results[3]
    assert results[4]["is_scam"] is True


def test_check_with_blocklist(tmp_path: Path) -> None:
    blocklist = tmp_path / "domains.txt"
    blocklist.write_text("trang-bi-bao-cao.com\n", encoding="utf-8")
    args = ["scam", "check", "--json", "--blocklist", str(blocklist), "xem trang-bi-bao-cao.com"]
    code, out = run(args)
    assert code == 0
    assert "link_blocklisted" in {s["code"] for s in json.loads(out)["signals"]}


def test_blocklist_from_the_environment(tmp_path: Path) -> None:
    blocklist = tmp_path / "domains.txt"
    blocklist.write_text("trang-bi-bao-cao.com\n", encoding="utf-8")
    args = ["scam", "check", "--json", "xem trang-bi-bao-cao.com"]
    code, out = run(args, SCAM_BLOCKLIST_PATH=str(blocklist))
    assert code == 0
    assert "link_blocklisted" in {s["code"] for s in json.loads(out)["signals"]}


def test_missing_blocklist_file_is_an_error(tmp_path: Path) -> None:
    code, out = run(["scam", "check", "--blocklist", str(tmp_path / "nope.txt"), "x"])
    assert code == 1
    assert "not found" in out


def test_train_then_check_with_the_model(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    scams = [f"Nap dau {i}0k nhan qua lon, dang ky tai web-choi{i}.xyz" for i in range(1, 13)]
    legit = [f"Thon {i} hop luc {i} gio sang tai nha van hoa, ba con di du" for i in range(1, 13)]
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows([(t, "scam") for t in scams] + [(t, "legit") for t in legit])
    model = tmp_path / "model.pkl"
    code, out = run(["scam", "train", str(data), "--out", str(model)])
    assert code == 0 and model.exists()
    assert "24 messages" in out
    code, out = run(["scam", "check", "--json", "--model", str(model), scams[0]])
    payload = json.loads(out)
    check_contract(payload)
    assert payload["is_scam"] is True
