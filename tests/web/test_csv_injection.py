"""CSV injection: residents' words reach the exported CSVs (unanswered questions, searches,
the content review); a cell a spreadsheet would run as a formula must arrive as text."""

from __future__ import annotations

import csv
import io
import os
import sys

import anyio
import httpx

from bot.dev.chat import ChatClient
from bot.text.spreadsheet import FORMULA_STARTS, safe_cell
from tests.live import Live
from tests.servers import ROOT
from tests.stats.test_api import make_token

# What a hostile resident types (the report's own examples, and each dangerous first character).
HOSTILE = [
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "=SUM(A1:A9)",
    "+SUM(1;2)",
    "-SUM(1;2)",
    "\r@1+1",
]


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]


async def _chat_hostile_texts(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = ChatClient(http, "Ông Ba", quiet_s=0.4)
        await chat.join()
        await chat.receive()
        for text in HOSTILE:
            await chat.send(text)
            assert await chat.receive(max_wait_s=5)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


async def test_stats_csv_keeps_residents_formulas_as_text(live: Live) -> None:
    await _chat_hostile_texts(live)
    token = make_token(live.runtime.engine)
    with live.client() as http:
        response = http.get("/admin/stats.csv", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    rows = _rows(response.text)
    cells = {cell for row in rows for cell in row}
    # The texts are in the export (as unanswered questions), each escaped with an apostrophe.
    written = [t for t in HOSTILE if "'" + t.strip() in cells or "'" + t in cells]
    assert len(written) == len(HOSTILE), sorted(c for c in cells if "cmd" in c or "=1+1" in c)
    assert _formula_cells(rows) == []


async def test_content_review_csv_keeps_residents_formulas_as_text(live: Live) -> None:
    await _chat_hostile_texts(live)
    env = {**os.environ, "DATABASE_URL": live.settings.database_url, "LOG_LEVEL": "WARNING"}
    done = await anyio.run_process(
        [sys.executable, "-m", "bot", "content", "review", "--csv"], cwd=ROOT, env=env
    )
    rows = _rows(done.stdout.decode())
    assert rows[0] == ["Tin nhắn", "Bà con chọn", "Số lần"]
    texts = {row[0] for row in rows[1:]}
    assert sum(1 for t in HOSTILE if "'" + t.strip() in texts or "'" + t in texts) == len(
        HOSTILE
    ), texts
    assert _formula_cells(rows) == []


def test_numbers_stay_numbers_and_only_formula_text_is_escaped() -> None:
    assert safe_cell(-3) == -3
    assert safe_cell(-0.25) == -0.25
    assert safe_cell("-3") == "-3"
    assert safe_cell("+0.5") == "+0.5"
    assert safe_cell("-1e-3") == "-1e-3"
    assert safe_cell(None) == ""
    assert safe_cell("thủ tục khai sinh") == "thủ tục khai sinh"
    assert safe_cell("1+1") == "1+1"
    for start in FORMULA_STARTS:
        assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("-") == "'-"
    assert safe_cell("-3-cmd") == "'-3-cmd"
