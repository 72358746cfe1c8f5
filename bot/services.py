"""Everything handlers need that is built once per process: texts, menu, flows, the
router, and what the enabled features build (`Feature.services`: the procedure search, the
scam checker…), found by type with `services.get`. Immutable after start-up."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bot.config import DEFAULT_COMMUNE, Settings
from bot.flows.engine import FlowEngine
from bot.nlu.intents import IntentRouter
from bot.replies import Button, Reply
from bot.texts import Texts, load_yaml

if TYPE_CHECKING:
    from bot.feature import Feature
    from bot.turn import Turn

T = TypeVar("T")

MENU_PAYLOAD = "#menu"
GO_PREFIX = "#go:"


class MenuItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1, max_length=40)
    action: str = Field(pattern=r"^flow:[a-z][a-z0-9_]*$")

    @property
    def flow_id(self) -> str:
        return self.action.removeprefix("flow:")


class MoreItem(MenuItem):
    """A menu entry beyond Zalo's 5 buttons: a line under them, chosen by typing its number."""

    number: int = Field(ge=6, le=9)


class MenuFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    main: tuple[MenuItem, ...] = Field(min_length=1, max_length=5)
    more: tuple[MoreItem, ...] = ()


@dataclass(frozen=True)
class ProcedureLookup:
    """A feature's way to find a procedure's code in a question (None when not confident)."""

    find: Callable[[str], str | None]


@dataclass(frozen=True)
class Services:
    settings: Settings
    texts: Texts
    menu: MenuFile
    flows: FlowEngine
    router: IntentRouter
    features: tuple[Feature, ...] = ()
    commune_name: str = DEFAULT_COMMUNE
    # What the features built (`Feature.services`), one object per type.
    extras: tuple[object, ...] = ()

    @classmethod
    def load(
        cls,
        settings: Settings,
        features: tuple[Feature, ...],
        *,
        commune_name: str = DEFAULT_COMMUNE,
    ) -> Services:
        from bot.feature import merged_hooks

        content: Path = settings.content_dir
        flows = FlowEngine.load(
            content,
            idle_timeout_min=settings.flow_idle_timeout_min,
            hooks=merged_hooks(features),
        )
        return cls(
            settings=settings,
            texts=Texts.load(content),
            menu=MenuFile.model_validate(load_yaml(content / "menu.yaml")),
            flows=flows,
            router=IntentRouter.load(content),
            features=features,
            commune_name=commune_name,
            extras=tuple(obj for f in features for build in f.services for obj in build(settings)),
        )

    def get(self, kind: type[T]) -> T | None:
        """The object of type `kind` a feature built, if that feature is enabled."""
        return next((obj for obj in self.extras if isinstance(obj, kind)), None)

    def with_extras(self, *objects: object) -> Services:
        """The same services with `objects` in place of those of the same types."""
        kept = tuple(o for o in self.extras if not any(type(o) is type(n) for n in objects))
        return dataclasses.replace(self, extras=(*kept, *objects))

    @property
    def procedure_lookup(self) -> Callable[[str], str | None] | None:
        lookup = self.get(ProcedureLookup)
        return lookup.find if lookup is not None else None

    def menu_reply(self, *, lead: str | None = None) -> Reply:
        title = self.texts.get("menu.title")
        subtitle = self.texts.get("menu.subtitle")
        text = f"{title}\n{subtitle}"
        for item in self.menu.more:
            line = self.texts.get("menu.more_line", number=item.number, label=item.label)
            text = f"{text}\n{line}"
        if lead:
            text = f"{lead}\n\n{text}"
        buttons = tuple(Button(i.label, payload=GO_PREFIX + i.flow_id) for i in self.menu.main)
        return Reply(text, buttons=buttons)

    def show_menu(self, turn: Turn, *, lead: str | None = None) -> None:
        turn.say(self.menu_reply(lead=lead))
        turn.log("menu_shown")

    def offer(self, turn: Turn, moment: str) -> Reply | None:
        """What an enabled feature offers the resident at `moment` ("follow": after the
        welcome; "helpful": after a flow that helped), if anything (the first one only)."""
        for feature in self.features:
            for offer in feature.offers:
                reply = offer(turn, moment)
                if reply is not None:
                    return reply
        return None
