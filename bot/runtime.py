"""The long-lived parts of a running bot process, built from `Settings` and started together.

The web app (`bot serve`), the event workers (`bot worker`) and the scheduler process
(`bot scheduler`) all build a `Runtime`; what each runs differs: web workers store events
and, unless WEB_PROCESSES_EVENTS is off, process them and send the replies; event workers
process and reply; the scheduler sends everything else, refreshes tokens and runs campaigns.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, SystemClock
from bot.config import DEFAULT_COMMUNE, Settings
from bot.dispatcher import INLINE_EVENTS, Dispatcher, record_inline
from bot.feature import Feature
from bot.inbound import InboundWriter, JournalMover
from bot.metrics import Metrics
from bot.outbox import OutboxSender
from bot.processor import EventProcessor
from bot.services import Services
from bot.zalo.client import TokenPair, ZaloClient, pkce_pair
from bot.zalo.signature import MacFormula, mac_formulas
from bot.zalo.tokens import TokenManager
from db.journal import open_journal
from db.session import make_engine

log = logging.getLogger(__name__)


def zalo_bases(settings: Settings) -> tuple[str, str]:
    """(OpenAPI base, OAuth base): in demo mode, the built-in simulator unless set explicitly."""
    local = f"http://{settings.host}:{settings.port}/_sim"
    explicit = settings.model_fields_set
    openapi = settings.zalo_openapi_base
    oauth = settings.zalo_oauth_base
    if settings.is_demo and "zalo_openapi_base" not in explicit:
        openapi = local
    if settings.is_demo and "zalo_oauth_base" not in explicit:
        oauth = local
    return openapi, oauth


def _zalo_and_tokens(
    settings: Settings, engine: Engine, clock: Clock
) -> tuple[ZaloClient, TokenManager]:
    openapi, oauth = zalo_bases(settings)
    zalo = ZaloClient.connect(
        timeout_s=settings.zalo_http_timeout_s,
        openapi_base=openapi,
        oauth_base=oauth,
        app_id=settings.zalo_app_id,
        app_secret=settings.zalo_app_secret.get_secret_value(),
    )
    bootstrap: Callable[[], Awaitable[TokenPair]] | None = None
    if settings.is_demo:

        async def bootstrap() -> TokenPair:
            return await demo_authorize(zalo, settings)

    tokens = TokenManager(
        engine=engine,
        client=zalo,
        oa_id=settings.zalo_oa_id,
        clock=clock,
        margin_s=settings.token_refresh_margin_s,
        bootstrap=bootstrap,
    )
    return zalo, tokens


def _sender(
    settings: Settings,
    engine: Engine,
    zalo: ZaloClient,
    tokens: TokenManager,
    clock: Clock,
    metrics: Metrics,
) -> OutboxSender:
    return OutboxSender(
        engine=engine,
        client=zalo,
        tokens=tokens,
        clock=clock,
        metrics=metrics,
        rate_per_s=settings.outbox_rate_per_s,
        concurrency=settings.outbox_concurrency,
        max_attempts=settings.outbox_max_attempts,
        backoff_base_s=settings.outbox_backoff_base_s,
        backoff_max_s=settings.outbox_backoff_max_s,
        lease_s=settings.outbox_lease_s,
        poll_s=settings.outbox_poll_s,
        echo_grace_s=settings.outbox_echo_grace_s,
        billing_retry_s=settings.outbox_billing_retry_s,
        oa_id=settings.zalo_oa_id,
        broadcast_window_h=settings.campaign_window_hours,
    )


def _mac_formulas(settings: Settings) -> list[MacFormula]:
    return mac_formulas(
        app_id=settings.zalo_app_id,
        oa_id=settings.zalo_oa_id,
        oa_secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        app_secret=settings.zalo_app_secret.get_secret_value(),
        variants=tuple(settings.zalo_mac_variants),
    )


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    metrics: Metrics
    services: Services
    zalo: ZaloClient
    tokens: TokenManager
    processor: EventProcessor
    inbound: InboundWriter
    sender: OutboxSender
    mac_formulas: list[MacFormula]
    # SQLite: moves events from the web workers' journal into `inbound_event` (`db.journal`).
    mover: JournalMover | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _mac_variants_seen: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
        services: Services,
    ) -> Runtime:
        clock = clock or SystemClock()
        engine = engine or make_engine(settings.database_url)
        metrics = Metrics()
        zalo, tokens = _zalo_and_tokens(settings, engine, clock)
        sender = _sender(settings, engine, zalo, tokens, clock, metrics)
        dispatcher = Dispatcher(services)
        processor = EventProcessor(
            engine=engine,
            handler=dispatcher.handle,
            on_failure=dispatcher.on_failure,
            clock=clock,
            max_attempts=settings.processor_max_attempts,
            on_committed=sender.wake,
            on_outcome=lambda outcome: metrics.events_processed.labels(outcome=outcome).inc(),
        )
        journal_engine = open_journal(engine.url.render_as_string(hide_password=False))
        mover = (
            JournalMover(
                journal_engine=journal_engine,
                engine=engine,
                clock=clock,
                record_inline=record_inline,
                inline_events=INLINE_EVENTS,
            )
            if journal_engine is not None
            else None
        )
        return cls(
            settings=settings,
            engine=engine,
            clock=clock,
            metrics=metrics,
            services=services,
            zalo=zalo,
            tokens=tokens,
            processor=processor,
            inbound=InboundWriter(
                engine=engine,
                clock=clock,
                record_inline=record_inline,
                inline_events=INLINE_EVENTS,
                # Web workers that leave processing to event workers write to the journal.
                journal=None if settings.web_processes_events else journal_engine,
            ),
            sender=sender,
            mac_formulas=_mac_formulas(settings),
            mover=mover,
        )

    def note_mac_variant(self, name: str) -> None:
        if name not in self._mac_variants_seen:
            self._mac_variants_seen.add(name)
            log.warning("webhook MAC matched the '%s' variant, not the documented one", name)

    def event_stored(self, subject_id: str) -> None:
        """The webhook stored a new event of `subject_id`: process it here, unless web workers
        leave processing to `bot worker` processes (WEB_PROCESSES_EVENTS=false)."""
        if self.settings.web_processes_events:
            self.processor.kick(subject_id)

    # -- background work ---------------------------------------------------------------------

    def start_background(self, *, send: bool = True, sweep: bool = True) -> None:
        if send:
            self.sender.start()
        if sweep:
            self.every(2.0, self._sweep, name="sweeper")
            # Features' jobs that run beside event processing (`Job.with_events`).
            for feature in self.services.features:
                for job in feature.jobs:
                    if job.with_events and job.every_s is not None:
                        self.every(job.every_s, _bound(job.run, self), name=job.name)

    async def move_journal(self) -> int:
        """Move the events waiting in the journal (SQLite) and kick their residents; how many
        residents had new events."""
        if self.mover is None:
            return 0
        subjects = dict.fromkeys(await anyio.to_thread.run_sync(self.mover.move))
        for subject in subjects:
            self.processor.kick(subject)
        return len(subjects)

    async def _sweep(self) -> None:
        await self.move_journal()
        await self.processor.sweep()

    async def _every(self, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic job failed")
            await asyncio.sleep(seconds)

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        self._tasks.append(asyncio.create_task(self._every(seconds, job), name=name))

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` in the background until `aclose`."""
        self._tasks.append(asyncio.create_task(work, name=name))

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.inbound.close()
        await self.processor.close()
        await self.sender.stop()
        await self.zalo.aclose()
        if self.mover is not None:
            self.mover.close()
        self.engine.dispose()


def _bound(
    run: Callable[[Runtime], Awaitable[object]], runtime: Runtime
) -> Callable[[], Awaitable[object]]:
    return lambda: run(runtime)


def read_commune_name(engine: Engine) -> str:
    """The commune's name as stored (for texts that name it); "xã" until the organisation
    is loaded or while the database is not migrated (the migration check says so)."""
    from db import org
    from db.session import read_scope

    try:
        with read_scope(engine) as session:
            return org.commune_name(session) or DEFAULT_COMMUNE
    except SQLAlchemyError:
        return DEFAULT_COMMUNE


def commune_name_of(settings: Settings) -> str:
    """`read_commune_name` with a short-lived engine."""
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        return read_commune_name(engine)
    finally:
        engine.dispose()


def freeze_startup_objects() -> None:
    """Put what start-up loaded (content, catalogues, the app itself: most of the heap) out
    of the garbage collector's reach, for a long-running process.

    A full collection otherwise walks every object: 55–124 ms measured on a web worker and
    an event worker under load. The whole process stands still meanwhile, including a thread
    holding SQLite's write lock, so the other processes wait too: these pauses made the
    slowest acknowledgements (60–230 ms). Afterwards a full collection walks only what was
    created since, a few milliseconds.
    """
    gc.collect()
    gc.freeze()


async def start_process(
    settings: Settings, features: tuple[Feature, ...]
) -> tuple[Runtime, asyncio.Event] | None:
    """For the processes apart from the web app (`bot worker`, `bot scheduler`): a runtime
    whose texts name the commune, and an event set on SIGINT/SIGTERM; None, logged, when the
    database's migrations are not current."""
    from db.migrate import is_current

    commune = await anyio.to_thread.run_sync(commune_name_of, settings)
    runtime = Runtime.build(
        settings, services=Services.load(settings, features, commune_name=commune)
    )
    if not is_current(runtime.engine):
        log.error("database migrations are not current: run `bot db upgrade` first")
        await runtime.aclose()
        return None
    freeze_startup_objects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return runtime, stop


async def demo_authorize(zalo: ZaloClient, settings: Settings) -> TokenPair:
    """Demo mode only: walk the simulator's OAuth permission page without a browser."""
    verifier, challenge = pkce_pair()
    redirect = settings.zalo_oauth_redirect_uri or settings.webhook_url.replace(
        "/webhook/zalo", "/zalo/oauth/callback"
    )
    code = await zalo.code_from_permission_page(
        redirect_uri=redirect, code_challenge=challenge, state="demo"
    )
    return await zalo.exchange_code(code, verifier)
