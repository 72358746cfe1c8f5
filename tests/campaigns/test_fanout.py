"""Fan-out over a real database: targets of each kind, windows, quiet hours, misfires, skips,
idempotency, scope and approval (no HTTP; the e2e tests cover sending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.clock import FakeClock
from bot.features.campaigns import firing, lifecycle
from bot.features.campaigns.fanout import follower_skip
from bot.features.campaigns.schedule import Schedule
from bot.features.campaigns.scope import Actor
from bot.features.campaigns.spec import CampaignError, Context, Spec
from db import campaign_reports as reports_rows
from db import campaigns as rows
from db import residents
from db.models import AuditLog, Campaign, CampaignDelivery, Outbox, Resident
from db.session import read_scope, session_scope
from tests.campaigns.conftest import MORNING, make_ctx

DAY = 24.0

ADMIN = Actor("token:1", None)


def create(
    engine: Engine, spec: Spec, ctx: Context, now: datetime = MORNING, actor: Actor = ADMIN
) -> int:
    with session_scope(engine) as session:
        campaign = lifecycle.create(session, spec, actor, now=now, ctx=ctx)
        assert campaign.id is not None
        return campaign.id


def deliveries(engine: Engine, campaign_id: int) -> list[CampaignDelivery]:
    with read_scope(engine) as session:
        return rows.deliveries(session, campaign_id=campaign_id)


def village_id(engine: Engine, code: str) -> int:
    with read_scope(engine) as session:
        vid = rows.villages_by_code(session)[code].id
        assert vid is not None
        return vid


def test_groups_and_relays_of_every_village(org: Engine, ctx: Context) -> None:
    cid = create(org, Spec(template_id="ngay-hoi-dvc", target_kinds=["group", "relay"]), ctx)
    assert firing.run_due(org, now=MORNING, ctx=ctx) > 0
    found = deliveries(org, cid)
    groups = sorted(d.recipient for d in found if d.target_kind == "group")
    # The OA manages the groups of Thôn Đông and Tổ dân phố 3; the others go by relay.
    assert groups == ["1a2b3c4d5e6f70810001", "1a2b3c4d5e6f70810004"]
    relays = {(d.relay_group, d.recipient) for d in found if d.target_kind == "relay"}
    assert relays == {
        ("Bà con Trung Hòa", "7000000000000000003"),
        ("Bà con Trung Hòa", "7000000000000000005"),
        ("Bản Nà Lầy", "7000000000000000004"),
    }
    with read_scope(org) as session:
        boxes = session.exec(select(Outbox)).all()
        # one row per group, two per relay (the post, then the ask with the button)
        assert len(boxes) == 2 + 2 * 3
        texts = [b.message.get("text", "") for b in boxes if b.recipient_kind == "group"]
        assert any("Thôn Đông" in t for t in texts) and any("Tổ dân phố 3" in t for t in texts)
        campaign = session.get(Campaign, cid)
        assert campaign is not None and campaign.status == "done"
    # A second run (a restart, a second scheduler) creates nothing more.
    assert firing.run_due(org, now=MORNING + timedelta(minutes=1), ctx=ctx) == 0
    assert len(deliveries(org, cid)) == 5


def test_followers_only_within_the_window(org: Engine, ctx: Context) -> None:
    dong = village_id(org, "thon-dong")
    with session_scope(org) as session:
        for uid, hours in (("u-recent", 3), ("u-old", 24 * 5)):
            r = residents.touch(
                session, zalo_user_id=uid, now=MORNING - timedelta(hours=hours), interacted=True
            )
            residents.set_village(session, resident=r, village_id=dong)
            residents.set_news_opt_in(session, resident=r, opt_in=True)
            residents.set_following(session, resident=r, following=True, now=r.first_seen_at)
        quiet = residents.touch(session, zalo_user_id="u-no-news", now=MORNING, interacted=True)
        residents.set_village(session, resident=quiet, village_id=dong)
    cid = create(
        org,
        Spec(text="Họp thôn tối nay", target_kinds=["followers"], village_codes=["thon-dong"]),
        ctx,
    )
    firing.run_due(org, now=MORNING, ctx=ctx)
    found = {d.recipient: d for d in deliveries(org, cid)}
    assert set(found) == {"u-recent", "u-old"}  # not the one who did not ask for news
    assert found["u-recent"].status == "pending" and found["u-recent"].outbox_id is not None
    assert found["u-old"].status == "skipped" and "48" in (found["u-old"].reason or "")


@pytest.mark.parametrize(
    ("window_h", "hours_ago", "reason"),
    [
        (48, 47.9, None),  # free: within 48 hours
        (48, 48.1, "paid_window"),  # billed from 48 hours: not for campaigns by default
        (168, 6.9 * DAY, None),  # an OA that accepts paying: up to 7 days
        (168, 7.1 * DAY, "over_7_days"),  # impossible after 7 days, whatever is paid
        (500, 7.1 * DAY, "over_7_days"),  # a setting past 7 days cannot open Zalo's window
        (48, None, "never_interacted"),
    ],
)
def test_the_48_hour_and_7_day_rules_for_followers(
    window_h: int, hours_ago: float | None, reason: str | None
) -> None:
    ctx = make_ctx(campaign_window_hours=window_h)
    last = None if hours_ago is None else MORNING - timedelta(hours=hours_ago)
    resident = Resident(
        zalo_user_id="u", news_opt_in=True, is_follower=True, last_interaction_at=last
    )
    expected = None
    if reason is not None:
        expected = ctx.texts.get(f"campaigns.skip.{reason}", hours=window_h)
    assert follower_skip(resident, now=MORNING, ctx=ctx) == expected


def test_quiet_hours_postpone_unless_urgent(org: Engine, ctx: Context) -> None:
    night = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)  # 22:30 in Vietnam
    normal = create(org, Spec(text="Lịch tiêm chủng", target_kinds=["group"]), ctx, now=night)
    urgent = create(
        org, Spec(text="Bão sắp vào", target_kinds=["group"], urgent=True), ctx, now=night
    )
    firing.run_due(org, now=night, ctx=ctx)
    morning = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)  # 07:00 the next day in Vietnam
    assert {d.not_before for d in deliveries(org, normal)} == {morning}
    assert {d.not_before for d in deliveries(org, urgent)} == {None}
    with read_scope(org) as session:
        held = session.exec(select(Outbox).where(Outbox.next_attempt_at == morning)).all()
        assert len(held) == 2


def test_daily_range_late_missed_and_skipped(org: Engine, ctx: Context) -> None:
    spec = Spec(
        template_id="go-tung-ngo",
        target_kinds=["group"],
        village_codes=["thon-dong"],
        schedule=Schedule(
            "daily", daily_time="07:30", start_date="2026-12-06", end_date="2026-12-09"
        ),
    )
    cid = create(org, spec, ctx)
    first = datetime(2026, 12, 6, 0, 30, tzinfo=UTC)  # 07:30 Vietnam
    clock = FakeClock(first - timedelta(minutes=1))
    assert firing.run_due(org, now=clock.now(), ctx=ctx) == 0
    with session_scope(org) as session:
        lifecycle.skip(
            session, cid, first + timedelta(days=2), ADMIN, now=clock.now(), tz=ctx.settings.tz
        )
    clock.set(first)
    firing.run_due(org, now=clock.now(), ctx=ctx)  # on time
    clock.advance(days=1, minutes=20)
    firing.run_due(org, now=clock.now(), ctx=ctx)  # 20 min late: sent, marked late
    clock.set(first + timedelta(days=2))
    firing.run_due(org, now=clock.now(), ctx=ctx)  # skipped on request
    clock.advance(days=1, hours=5)
    firing.run_due(org, now=clock.now(), ctx=ctx)  # 5 h late: recorded as missed, not sent
    with read_scope(org) as session:
        occ = [(o.key, o.status) for o in rows.occurrences(session, campaign_id=cid)]
        campaign = session.get(Campaign, cid)
        assert campaign is not None and campaign.status == "done"
    assert occ == [
        ("20261206T0030Z", "on_time"),
        ("20261207T0030Z", "late"),
        ("20261208T0030Z", "skipped"),
        ("20261209T0030Z", "missed"),
    ]
    assert len(deliveries(org, cid)) == 2  # only the on-time and the late one were sent


def test_cron_every_saturday_and_a_long_outage(org: Engine, ctx: Context) -> None:
    spec = Spec(
        template_id="ngay-hoi-dvc",
        target_kinds=["group"],
        village_codes=["tdp-3"],
        schedule=Schedule("cron", cron="30 7 * * sat"),
    )
    cid = create(org, spec, ctx)
    with read_scope(org) as session:
        campaign = session.get(Campaign, cid)
        assert campaign is not None
        assert campaign.next_run_at == datetime(2026, 12, 12, 0, 30, tzinfo=UTC)
    # Down for three weeks: the two older Saturdays are missed, the latest is sent late.
    now = datetime(2026, 12, 26, 0, 45, tzinfo=UTC)
    firing.run_due(org, now=now, ctx=ctx)
    with read_scope(org) as session:
        occ = [o.status for o in rows.occurrences(session, campaign_id=cid)]
        campaign = session.get(Campaign, cid)
        assert campaign is not None
        assert campaign.next_run_at == datetime(2027, 1, 2, 0, 30, tzinfo=UTC)
    assert occ == ["missed", "missed", "late"]


def test_once_in_the_future(org: Engine, ctx: Context) -> None:
    at = MORNING + timedelta(hours=3)
    cid = create(
        org,
        Spec(
            text="Cúp điện chiều nay", target_kinds=["group"], schedule=Schedule("once", run_at=at)
        ),
        ctx,
    )
    assert firing.run_due(org, now=at - timedelta(seconds=1), ctx=ctx) == 0
    assert firing.run_due(org, now=at, ctx=ctx) == 2  # the two OA-managed village groups
    assert {d.status for d in deliveries(org, cid)} == {"pending"}


def test_scope_and_approval(org: Engine) -> None:
    ctx = make_ctx(campaign_requires_approval=True)
    dong = village_id(org, "thon-dong")
    leader = Actor("member:2", frozenset({dong}), member_id=2)
    with session_scope(org) as session, pytest.raises(CampaignError) as refused:
        lifecycle.create(
            session, Spec(text="x" * 20, village_codes=["ban-na-lay"]), leader, now=MORNING, ctx=ctx
        )
    assert refused.value.status == 403
    cid = create(org, Spec(text="Họp thôn Đông", village_codes=["thon-dong"]), ctx, actor=leader)
    assert firing.run_due(org, now=MORNING, ctx=ctx) == 0  # waits for approval
    with session_scope(org) as session, pytest.raises(CampaignError) as self_approve:
        lifecycle.change(session, cid, "approve", leader, now=MORNING)
    assert self_approve.value.status == 403
    with session_scope(org) as session:
        lifecycle.change(session, cid, "approve", ADMIN, now=MORNING)
    assert firing.run_due(org, now=MORNING, ctx=ctx) == 1
    with read_scope(org) as session:
        actions = [a.action for a in session.exec(select(AuditLog)).all()]
    assert actions == ["campaign.create", "campaign.approve"]


def test_pause_resume_cancel(org: Engine, ctx: Context) -> None:
    at = MORNING + timedelta(hours=1)
    cid = create(
        org,
        Spec(text="Thu gom rác", target_kinds=["group"], schedule=Schedule("once", run_at=at)),
        ctx,
    )
    with session_scope(org) as session:
        lifecycle.change(session, cid, "pause", ADMIN, now=MORNING)
    assert firing.run_due(org, now=at, ctx=ctx) == 0
    with session_scope(org) as session:
        lifecycle.change(session, cid, "resume", ADMIN, now=MORNING)
        lifecycle.change(session, cid, "cancel", ADMIN, now=MORNING)
        with pytest.raises(CampaignError) as again:
            lifecycle.change(session, cid, "resume", ADMIN, now=MORNING)
        assert again.value.status == 409
    assert firing.run_due(org, now=at, ctx=ctx) == 0


def _outbox_statuses(engine: Engine, campaign_id: int) -> dict[str, int]:
    """Statuses of the campaign's outbox rows: posts and relay requests."""
    with read_scope(engine) as session:
        found: dict[str, int] = {}
        for box in session.exec(select(Outbox)).all():
            if box.idempotency_key.startswith(f"camp:{campaign_id}:"):
                found[box.status] = found.get(box.status, 0) + 1
        return found


def test_pause_holds_and_cancel_withdraws_sends_already_queued(org: Engine, ctx: Context) -> None:
    """A campaign sent "now" is done at once but still sending: pause holds its queue,
    resume releases it, cancel withdraws what was never tried."""
    cid = create(org, Spec(text="Họp thôn tối nay", target_kinds=["group", "relay"]), ctx)
    fired = firing.run_due(org, now=MORNING, ctx=ctx)
    relays = len([d for d in deliveries(org, cid) if d.target_kind == "relay"])
    # each relay is the post and then the request to confirm it
    queued = len([d for d in deliveries(org, cid) if d.status == "pending"]) + relays
    assert fired > 0 and relays > 0
    assert _outbox_statuses(org, cid) == {"pending": queued}
    with session_scope(org) as session:
        assert lifecycle.change(session, cid, "pause", ADMIN, now=MORNING).status == "paused"
    assert _outbox_statuses(org, cid) == {"held": queued}
    with session_scope(org) as session:
        assert lifecycle.change(session, cid, "resume", ADMIN, now=MORNING).status == "done"
    assert _outbox_statuses(org, cid) == {"pending": queued}
    with session_scope(org) as session:
        lifecycle.change(session, cid, "pause", ADMIN, now=MORNING)
        lifecycle.change(session, cid, "cancel", ADMIN, now=MORNING)
    assert _outbox_statuses(org, cid) == {"cancelled": queued}
    reasons = {d.reason for d in deliveries(org, cid) if d.outbox_id is not None}
    assert reasons == {"Chiến dịch đã bị hủy trước khi gửi"}


def test_bad_input_is_refused_with_a_reason(org: Engine, ctx: Context) -> None:
    bad = [
        Spec(text="", target_kinds=["group"]),
        Spec(template_id="khong-co", target_kinds=["group"]),
        Spec(text="abc de", target_kinds=["fax"]),
        Spec(text="abc de", village_codes=["thon-khong-co"]),
        Spec(text="abc de", schedule=Schedule("cron", cron="every day")),
        Spec(text="abc de", schedule=Schedule("once", run_at=MORNING - timedelta(days=1))),
        Spec(text="a" * 2100),
    ]
    for spec in bad:
        with session_scope(org) as session, pytest.raises(CampaignError) as exc:
            lifecycle.create(session, spec, ADMIN, now=MORNING, ctx=ctx)
        assert exc.value.status == 400 and exc.value.message


def test_village_counts_for_statistics(org: Engine, ctx: Context) -> None:
    cid = create(org, Spec(template_id="canh-bao-lua-dao", target_kinds=["group", "relay"]), ctx)
    firing.run_due(org, now=MORNING, ctx=ctx)
    with session_scope(org) as session:
        relay = next(
            d for d in rows.deliveries(session, campaign_id=cid) if d.target_kind == "relay"
        )
        assert relay.id is not None
        rows.confirm_relay(session, delivery_id=relay.id, by="Lò Văn Pánh", now=MORNING)
    with read_scope(org) as session:
        table = reports_rows.village_counts(
            session, start=MORNING - timedelta(days=1), end=MORNING + timedelta(days=1)
        )
    # Bà con Trung Hòa's relay is done: the other member's request, still queued, is withdrawn.
    assert sum(r["pending"] for r in table) == 3 and sum(r["skipped"] for r in table) == 1
    assert sum(r["sent"] for r in table) == 1 and sum(r["relay_confirmed"] for r in table) == 1
    assert {r["campaign_id"] for r in table} == {cid}


def test_commune_groups_only_for_commune_wide_campaigns(org: Engine, ctx: Context) -> None:
    spec = Spec(text="Toàn xã: lịch trực bão.", target_kinds=["group"], commune_groups=True)
    dong = village_id(org, "thon-dong")
    with session_scope(org) as session, pytest.raises(CampaignError) as refused:
        lifecycle.create(
            session, spec, Actor("member:2", frozenset({dong}), 2), now=MORNING, ctx=ctx
        )
    assert refused.value.status == 403
    cid = create(org, spec, ctx)
    firing.run_due(org, now=MORNING, ctx=ctx)
    commune = [d for d in deliveries(org, cid) if d.village_id is None]
    assert [d.recipient for d in commune] == ["1a2b3c4d5e6f70810000"]
    assert len(deliveries(org, cid)) == 3  # and the two OA-managed village groups
