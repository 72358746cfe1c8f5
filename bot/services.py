"""Everything handlers need that is built once per process: texts, menu, flows, the
router, search and the scam checker. Immutable after start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bot.config import Settings
from bot.features.procedures.runtime import lookup_for, procedure_service
from bot.features.procedures.service import ProcedureService
from bot.features.scam.analyzer import ScamAnalyzer
from bot.flows.engine import FlowEngine
from bot.nlu.intents import IntentRouter
from bot.replies import Button, Reply
from bot.texts import Texts, load_yaml

if TYPE_CHECKING:
    from bot.turn import Turn

MENU_PAYLOAD = "#menu"
GO_PREFIX = "#go:"


class MenuItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1, max_length=40)
    action: str = Field(pattern=r"^flow:[a-z][a-z0-9_]*$")

    @property
    def flow_id(self) -> str:
        return self.action.removeprefix("flow:")


class MenuFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    main: tuple[MenuItem, ...] = Field(min_length=1, max_length=5)


@dataclass(frozen=True)
class Services:
    settings: Settings
    texts: Texts
    menu: MenuFile
    flows: FlowEngine
    router: IntentRouter
    commune_name: str = "xã"
    procedures: ProcedureService | None = None
    scam: ScamAnalyzer | None = None
    # Finds a procedure's national code in a question (None when not confident).
    procedure_lookup: Callable[[str], str | None] | None = None

    @classmethod
    def load(cls, settings: Settings, *, commune_name: str = "xã") -> Services:
        content: Path = settings.content_dir
        procedures = procedure_service(content, settings.database_url)
        return cls(
            settings=settings,
            texts=Texts.load(content),
            menu=MenuFile.model_validate(load_yaml(content / "menu.yaml")),
            flows=FlowEngine.load(content, idle_timeout_min=settings.flow_idle_timeout_min),
            router=IntentRouter.load(content),
            commune_name=commune_name,
            procedures=procedures,
            procedure_lookup=lookup_for(procedures),
            scam=ScamAnalyzer.load(
                content,
                blocklist_path=settings.scam_blocklist_path,
                model_path=settings.scam_model_path,
            ),
        )

    def menu_reply(self, *, lead: str | None = None) -> Reply:
        title = self.texts.get("menu.title")
        subtitle = self.texts.get("menu.subtitle")
        text = f"{title}\n{subtitle}"
        if lead:
            text = f"{lead}\n\n{text}"
        buttons = tuple(Button(i.label, payload=GO_PREFIX + i.flow_id) for i in self.menu.main)
        return Reply(text, buttons=buttons)

    def show_menu(self, turn: Turn, *, lead: str | None = None) -> None:
        turn.say(self.menu_reply(lead=lead))
        turn.log("menu_shown")
