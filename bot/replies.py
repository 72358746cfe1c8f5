"""What the bot says, independent of Zalo: a text with optional buttons.

Flows and handlers build `Reply` values; `bot.zalo.messages` turns them into Zalo message
bodies (a `list` template for buttons in 1:1 chats, numbered text in groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_BUTTONS = 5
MAX_LABEL = 40  # characters: longer labels are cut off on a phone


@dataclass(frozen=True)
class Button:
    """A tappable choice. `payload` comes back as the resident's message when tapped."""

    label: str
    payload: str | None = None
    url: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.payload, self.url, self.phone)) != 1:
            msg = f"button {self.label!r} needs exactly one of payload, url, phone"
            raise ValueError(msg)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    image_url: str | None = None
    # Set by flows so analytics can tell which step a message belongs to.
    tags: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.buttons) > MAX_BUTTONS:
            msg = f"a Zalo list takes at most {MAX_BUTTONS} buttons, got {len(self.buttons)}"
            raise ValueError(msg)
