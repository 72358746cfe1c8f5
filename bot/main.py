"""`create_app(settings)`: the FastAPI application. Nothing is built at import time.

Demo mode also migrates and seeds the SQLite database, mounts the Zalo simulator under
`/_sim` and runs the scheduler jobs in-process. Production mode never mounts the simulator.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot import __version__
from bot.api import health, oauth, webhook
from bot.api.admin import campaigns as admin_campaigns
from bot.api.admin import dashboard as admin_dashboard
from bot.api.admin import fieldwork as admin_fieldwork
from bot.api.admin import org as admin_org
from bot.api.admin import stats as admin_stats
from bot.api.admin.auth import FailureLimiter
from bot.clock import Clock
from bot.config import Settings, get_settings
from bot.feature import Feature
from bot.runtime import Runtime, freeze_startup_objects, read_commune_name
from bot.services import Services
from db.migrate import upgrade
from db.session import make_engine

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    long_running: bool = False,
    features: tuple[Feature, ...] | None = None,
) -> FastAPI:
    """The web app. `long_running` (`bot serve`, not tests that build many apps in one
    process): once started, keep start-up objects out of garbage collection. `features`:
    those switched on (`bot.features.enabled.FEATURES` unless given)."""
    settings = settings or get_settings()
    if features is None:
        from bot.features.enabled import FEATURES

        features = FEATURES
    enabled = features
    sim_app = _simulator(settings) if settings.is_demo else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            engine = make_engine(settings.database_url)
            if settings.is_demo:
                await anyio.to_thread.run_sync(upgrade, settings.database_url)
                await anyio.to_thread.run_sync(seed_demo_org, engine, settings)
            await anyio.to_thread.run_sync(seed_admin_token, engine, settings)
            commune = await anyio.to_thread.run_sync(read_commune_name, engine)
            services = Services.load(settings, enabled, commune_name=commune)
            runtime = Runtime.build(settings, clock=clock, engine=engine, services=services)
            app.state.runtime = runtime
            stack.push_async_callback(runtime.aclose)
            if sim_app is not None:
                await stack.enter_async_context(sim_app.router.lifespan_context(sim_app))
                await anyio.to_thread.run_sync(seed_simulator, sim_app, engine)
            # Without event processing here, `bot worker` processes also send the outbox.
            processes = settings.web_processes_events
            runtime.start_background(send=processes, sweep=processes)
            if settings.run_scheduler_in_app:
                from scheduler.jobs import lead_in_app, scheduled_jobs, start_periodic

                jobs = scheduled_jobs(enabled)
                start_periodic(runtime, jobs)
                runtime.spawn(lead_in_app(runtime, jobs), name="scheduled-workers")
            if long_running:
                freeze_startup_objects()
            yield

    docs = settings.serve_api_docs  # API_DOCS: on in demo mode, off in production
    app = FastAPI(
        title="Zalo OA bot – Tổ công nghệ số cộng đồng",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.admin_limiter = FailureLimiter(
        settings.admin_rate_limit_per_min, settings.admin_rate_limit_max_clients
    )
    if settings.trusted_proxies:
        # Only these peers may say who the client is (X-Forwarded-For) and how it connected
        # (X-Forwarded-Proto); the servers run with uvicorn's own proxy handling off.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.include_router(webhook.router)
    if settings.is_demo or settings.bench_endpoints:
        app.include_router(webhook.baseline_router)
    app.include_router(health.router)
    app.include_router(oauth.router)
    app.include_router(admin_stats.router)
    app.include_router(admin_dashboard.router)
    app.include_router(admin_campaigns.router)
    app.include_router(admin_org.router)
    app.include_router(admin_fieldwork.router)
    if sim_app is not None:
        app.mount("/_sim", sim_app)
    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory bot.main:app_factory` (several workers)."""
    return create_app(long_running=True)


def _simulator(settings: Settings) -> FastAPI:
    from bot.sim.app import SimConfig, create_sim_app

    config = SimConfig(
        app_id=settings.zalo_app_id,
        app_secret=settings.zalo_app_secret.get_secret_value(),
        oa_id=settings.zalo_oa_id,
        oa_secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        webhook_url=settings.webhook_url,
        retry_speedup=settings.sim_retry_speedup,
    )
    return create_sim_app(config, control_prefix="")


def seed_demo_org(engine: Any, settings: Settings) -> None:
    """Load the organisation file (ORG_FILE, or the demo data) when the database has none."""
    from bot.features.org.orgfile import load_org, org_rows
    from db import org as org_rows_db
    from db.session import session_scope

    with session_scope(engine) as session:
        if org_rows_db.villages(session):
            return
        path = settings.org_file or settings.content_dir / "demo" / "org.yaml"
        org_rows_db.apply_org(session, **org_rows(load_org(path)))
        log.info("organisation loaded from %s", path)


def seed_simulator(sim_app: Any, engine: Any) -> None:
    """Demo mode: the built-in simulator knows the organisation's Zalo groups (the OA is a
    member of the OA-managed ones) and the team members, who "chatted with the OA" just now,
    so campaigns and handoffs reach them."""
    from bot.sim.state import SimGroup
    from db import org as org_rows_db
    from db.session import read_scope

    state = sim_app.state.sim
    with read_scope(engine) as session:
        groups = org_rows_db.groups(session)
        members = org_rows_db.members(session)
    for group in groups:
        if group.group_id not in state.groups:
            state.groups[group.group_id] = SimGroup(
                group_id=group.group_id, name=group.name, oa_member=group.oa_managed
            )
    for member in members:
        if member.zalo_user_id not in state.users:
            state.add_user(
                display_name=member.name,
                user_id=member.zalo_user_id,
                last_interaction_ms=state.now_ms(),
            )


def seed_admin_token(engine: Any, settings: Settings) -> None:
    """Make ADMIN_TOKEN (or, in demo mode, the printed demo token) a working admin token,
    unless it was revoked: a revoked token stays revoked (the log says so). In production,
    first revoke the demo token a demo run may have left in the database."""
    from bot.config import DEMO_ADMIN_TOKEN
    from db import admin as admin_rows
    from db.session import session_scope
    from db.types import utcnow

    if not settings.is_demo:
        revoke_demo_token(engine)
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    if token is None and settings.is_demo:
        token = DEMO_ADMIN_TOKEN
    if not token:
        return
    demo = token == DEMO_ADMIN_TOKEN
    with session_scope(engine) as session:
        row = admin_rows.find_any(session, token=token)
        if row is None:
            admin_rows.create_token(
                session,
                token=token,
                role="admin",
                villages=[],
                name="demo token" if demo else "bootstrap (ADMIN_TOKEN)",
                label="demo" if demo else "bootstrap",
                now=utcnow(),
                expires_at=None,
            )
        elif row.revoked_at is not None:
            log.warning(
                "%s (token #%s) was revoked on %s: it stays revoked and is not an admin token; "
                "create one with `bot admin create-token`%s",
                "the demo admin token" if demo else "ADMIN_TOKEN",
                row.id,
                row.revoked_at.isoformat(timespec="seconds"),
                "" if demo else " and remove ADMIN_TOKEN from the settings",
            )


def revoke_demo_token(engine: Any) -> None:
    """Production on a database a demo run used: the published demo token must not work."""
    from bot.config import DEMO_ADMIN_TOKEN
    from db import admin as admin_rows
    from db.session import session_scope
    from db.types import utcnow

    now = utcnow()
    with session_scope(engine) as session:
        row = admin_rows.find_active(session, token=DEMO_ADMIN_TOKEN, now=now)
        if row is None or row.id is None:
            return
        admin_rows.revoke(session, token_id=row.id, now=now)
        admin_rows.audit(
            session,
            actor="startup",
            action="token.revoke",
            now=now,
            target=f"token:{row.id}",
            detail={"reason": "demo token in production"},
        )
    log.warning(
        "production mode: the demo admin token (token #%s), left by a demo run on this "
        "database, has been revoked",
        row.id,
    )
