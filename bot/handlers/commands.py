"""Handlers that work anywhere: the global commands and the main menu's buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.flows import start_flow
from bot.services import GO_PREFIX, MENU_PAYLOAD

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn


def run_command(turn: Turn, state: FlowState, command: str) -> None:
    """ "menu", "cancel" or "back", however the resident asked for it."""
    services = turn.services
    flows = services.flows
    texts = services.texts
    if command == "menu":
        flows.cancel(turn, state, reason="menu")
        services.show_menu(turn)
    elif command == "cancel":
        key = "cancelled" if flows.cancel(turn, state) else "nothing_to_cancel"
        services.show_menu(turn, lead=texts.get(key))
    elif command == "back" and not flows.back(turn, state):
        services.show_menu(turn, lead=texts.get("nothing_to_go_back"))


class GlobalCommands:
    """ "menu", "hủy", "quay lại"… typed at any time."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        command = turn.services.router.global_command(text)
        if command not in ("menu", "cancel", "back"):
            return False
        run_command(turn, state, command)
        return True


class MenuButtons:
    """The main menu's buttons: show the menu, or start the chosen feature's flow."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        if text == MENU_PAYLOAD:
            run_command(turn, state, "menu")
            return True
        if text.startswith(GO_PREFIX):
            start_flow(turn, state, text.removeprefix(GO_PREFIX), via="menu")
            return True
        return False
