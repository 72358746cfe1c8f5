"""The intents the router can return and the conversation flow each one starts.

Intents are wiring between the router and the dispatcher, so they live in code: the content
file may only describe intents listed here. Adding an intent means adding it here and
teaching the dispatcher what to do with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

VNEID: Final = "vneid"
PROCEDURE: Final = "procedure"
SCAM_CHECK: Final = "scam_check"
DIGITAL_SKILLS: Final = "digital_skills"
HANDOFF: Final = "handoff"
NEWS: Final = "news"
MENU: Final = "menu"
GREETING: Final = "greeting"
THANKS: Final = "thanks"
GOODBYE: Final = "goodbye"
CANCEL: Final = "cancel"
BACK: Final = "back"
UNKNOWN: Final = "unknown"

# Intent → id of the flow the dispatcher starts; None: the dispatcher answers directly.
FLOWS: Final[Mapping[str, str | None]] = MappingProxyType(
    {
        VNEID: "vneid",
        PROCEDURE: "procedures",
        SCAM_CHECK: "scam_check",
        DIGITAL_SKILLS: "digital_skills",
        HANDOFF: "handoff",
        NEWS: "news",
        MENU: None,
        GREETING: None,
        THANKS: None,
        GOODBYE: None,
        CANCEL: None,
        BACK: None,
        UNKNOWN: None,
    }
)
INTENTS: Final = tuple(FLOWS)
# Intents that must have cues in the content file (everything but `unknown`).
DETECTED_INTENTS: Final = tuple(name for name in INTENTS if name != UNKNOWN)

# What `global_command` returns, and the intent `route` reports for each.
COMMANDS: Final[Mapping[str, str]] = MappingProxyType(
    {"menu": MENU, "cancel": CANCEL, "back": BACK, "end": GOODBYE}
)
