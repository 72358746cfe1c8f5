"""The monthly summary sent to each member through the outbox, and a campaign's day: members
of its villages asked to record the help given, and its report showing what they recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from bot.config import Settings
from bot.features.campaigns import firing, lifecycle, reports
from bot.features.campaigns.scope import Actor
from bot.features.campaigns.spec import Spec
from bot.features.fieldwork.summary import ask_after_campaigns, send_month
from db import campaigns as campaign_rows
from db.models import Outbox
from db.session import read_scope, session_scope
from tests.campaigns.conftest import make_ctx
from tests.fieldwork.conftest import HUNG, MAI, Make
from tests.fieldwork.seed import seed


def outbox(engine: Engine, prefix: str) -> dict[str, Any]:
    with read_scope(engine) as s:
        rows = s.exec(select(Outbox)).all()
        return {r.idempotency_key: r for r in rows if r.idempotency_key.startswith(prefix)}


def text_of(row: Any) -> str:
    message = row.message
    if "text" in message:
        return str(message["text"])
    element = message["attachment"]["payload"]["elements"][0]
    return f"{element['title']}\n{element['subtitle']}"


def test_last_months_summary_on_the_first(org: Engine) -> None:
    seed(org)
    settings = Settings()
    # 31 December, and 1 January before 08:00 (Vietnam): nothing yet.
    assert send_month(org, now=datetime(2026, 12, 31, 10, 0, tzinfo=UTC), settings=settings) == 0
    assert send_month(org, now=datetime(2026, 12, 31, 23, 0, tzinfo=UTC), settings=settings) == 0
    first = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # 09:00 on 1 January
    # Mai, Hùng and Pánh recorded help; Lan and Bảo lead, so they get their team's figures.
    assert send_month(org, now=first, settings=settings) == 5
    queued = outbox(org, "fieldwork:month:2026-12:")
    by_recipient: dict[str, list[str]] = {}
    for key in sorted(queued):
        by_recipient.setdefault(queued[key].recipient, []).append(text_of(queued[key]))
    [mai] = by_recipient[MAI]
    assert "Tổng kết tháng 12/2026 của Lê Thị Mai" in mai
    assert "Lượt hỗ trợ: 3, số hộ: 3" in mai and "Hộ mới có người thành thạo 5 kỹ năng: 1" in mai
    hung_own, hung_team = by_recipient[HUNG]
    assert "Lượt hỗ trợ: 1" in hung_own
    # Hùng's team is Thôn Đông: Mai's visit in Trung Hòa is not his team's work.
    assert "- Lê Thị Mai: 2 lượt, 2 hộ, 1 VNeID mức 2, 1 hồ sơ" in hung_team
    # Deciding again later that day queues nothing new.
    assert send_month(org, now=datetime(2027, 1, 1, 5, 0, tzinfo=UTC), settings=settings) == 0
    assert len(outbox(org, "fieldwork:month:")) == len(queued)


def test_a_campaign_day_asks_for_records_and_its_report_shows_them(org: Engine, make: Make) -> None:
    ctx = make_ctx()
    morning = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # 07:30 on 7 December
    with session_scope(org) as s:
        campaign = lifecycle.create(
            s,
            Spec(template_id="ngay-hoi-dvc", target_kinds=["group"], village_codes=["thon-dong"]),
            Actor("token:1", None),
            now=morning,
            ctx=ctx,
        )
        cid = campaign.id
    firing.run_due(org, now=morning, ctx=ctx)
    settings = Settings()
    assert (
        ask_after_campaigns(org, now=datetime(2026, 12, 7, 8, 0, tzinfo=UTC), settings=settings)
        == 0
    )
    evening = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # 16:30
    assert ask_after_campaigns(org, now=evening, settings=settings) == 2  # Hùng and Mai
    assert ask_after_campaigns(org, now=evening, settings=settings) == 0  # asked once
    asks = outbox(org, f"fieldwork:ask:{cid}:")
    assert {row.recipient for row in asks.values()} == {HUNG, MAI}
    ask = next(iter(asks.values())).message["attachment"]["payload"]
    assert ask["buttons"][0]["payload"] == f"#fw:start:c{cid}"
    assert 'Hôm nay có "Ngày hội dịch vụ công trực tuyến"' in text_of(next(iter(asks.values())))
    # Mai taps the button and records two households.
    mai = make(MAI)
    # The campaign was for Thôn Đông: no village question, though she works in two.
    mai.send(f"#fw:start:c{cid}")
    assert "Thôn Đông: anh/chị gõ tên chủ hộ" in mai.said
    mai.send("Nguyễn Văn An")
    mai.send("2 3")
    mai.press("khai sinh")
    mai.press("3")
    mai.press("Thêm hộ khác")
    mai.send("Trần Thị Bình")
    mai.send("2")
    mai.press("Bỏ qua")
    with read_scope(org) as s:
        found = campaign_rows.get(s, campaign_id=cid or 0)
        assert found is not None
        report = reports.report(s, found, ctx)
    assert report["recorded_help"] == {"visits": 2, "households": 2, "people": 3, "members": 1}
    assert report["counts"]["sent"] + report["counts"]["pending"] >= 1
