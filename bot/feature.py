"""What a feature declares about itself, in one place: its `Feature` manifest.

A feature is one package under `bot/features/`; its `feature.py` builds one `Feature` and
`bot.features.enabled.FEATURES` lists the features that are switched on. The pipeline reads
everything else from the manifests: flow hooks, content checks, CLI commands, chat handlers,
services built once per process, statistics sections and scheduled jobs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.flows.registry import Hooks

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.config import Settings
    from bot.handlers.base import Handler
    from bot.replies import Reply
    from bot.reporting import Context
    from bot.runtime import Runtime
    from bot.services import Services
    from bot.turn import Turn
    from db.stats import Window

ContentCheck = Callable[[Path], list[str]]
# ``register(subparsers)``: adds the feature's sub-commands to `bot` (see `bot.cli`).
RegisterCommands = Callable[[Any], None]
BuildServices = Callable[["Settings"], tuple[object, ...]]
# ``offer(turn, moment)``: a suggestion for the resident at a moment ("follow", "helpful"),
# or None; the feature keeps it rare (see `bot.services.Services.offer`).
Offer = Callable[["Turn", str], "Reply | None"]


@dataclass(frozen=True)
class Section:
    """A statistics section: `build(session, window, context)` gives its figures, stored in
    the report under `name`; `template` (a Jinja2 file beside the feature, optional) shows it
    on the dashboard."""

    name: str
    build: Callable[[Session, Window, Context], dict[str, Any]]
    template: Path | None = None
    # Extra dashboard charts: (chart name, function(report) -> SVG text, or None to skip).
    charts: tuple[tuple[str, Callable[[dict[str, Any]], str | None]], ...] = ()
    # The heading officials read, and one line on what the figures mean.
    title: str = ""
    explain: str = ""
    # Figures compared with the previous period of the same length: (label, key in the
    # section's figures; dots go deeper, e.g. "active_residents.whole_range").
    trends: tuple[tuple[str, str], ...] = ()
    # Names for the codes the section's figures hold: `labels(services)` gives
    # {kind: {code: name}}, read through `Context.label`.
    labels: Callable[[Services], Mapping[str, Mapping[str, str]]] | None = None
    # Tables for the CSV downloads: `tables(figures)` gives `Table`s (one row per day,
    # village, flow…).
    tables: Callable[[dict[str, Any]], list[Table]] | None = None


@dataclass(frozen=True)
class Table:
    """One CSV download: `slug` names the file, `title` the link; Vietnamese headers."""

    slug: str
    title: str
    header: tuple[str, ...]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Job:
    """Background work of a running bot. With `every_s`, `run(runtime)` is called that often;
    without, it is a worker that runs until cancelled. Jobs run in the process holding the
    scheduler lease (`scheduler.jobs`), or, `with_events`, wherever events are processed."""

    name: str
    run: Callable[[Runtime], Awaitable[object]]
    every_s: float | None = None
    with_events: bool = False


@dataclass(frozen=True)
class Feature:
    name: str
    # The flow files (`bot/content/flows/<id>.yaml`) this feature owns.
    flows: tuple[str, ...] = ()
    hooks: Hooks = field(default_factory=Hooks)
    content_checks: tuple[ContentCheck, ...] = ()
    commands: tuple[RegisterCommands, ...] = ()
    # See a resident's message before the normal routing, in this order (`bot.handlers`).
    interceptors: tuple[Handler, ...] = ()
    # Answer a message that is not text (a shared link, a photo...) before the generic reply.
    media: tuple[Handler, ...] = ()
    # Zalo events this feature handles, by event name (e.g. "user_withdraw"): `run(turn)`.
    events: tuple[tuple[str, Callable[[Turn], None]], ...] = ()
    services: tuple[BuildServices, ...] = ()
    offers: tuple[Offer, ...] = ()
    sections: tuple[Section, ...] = ()
    jobs: tuple[Job, ...] = ()


def sections_of(features: tuple[Feature, ...]) -> tuple[Section, ...]:
    return tuple(s for f in features for s in f.sections)


def owned_flows_problems(features: tuple[Feature, ...], content: Path) -> list[str]:
    """A feature names a flow file that is not there."""
    return [
        f"feature '{f.name}': flows/{flow}.yaml does not exist"
        for f in features
        for flow in f.flows
        if not (content / "flows" / f"{flow}.yaml").is_file()
    ]


def merged_hooks(features: tuple[Feature, ...]) -> Hooks:
    from bot.flows.builtin import HOOKS as BUILTIN

    return Hooks.merge(BUILTIN, *(f.hooks for f in features))
