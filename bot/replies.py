"""What the bot says, independent of Zalo: a text with optional buttons.

Flows and handlers build `Reply` values; `bot.zalo.messages` turns them into Zalo message
bodies (a `list` template for buttons in 1:1 chats, numbered text in groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.text.normalize import fold

MAX_BUTTONS = 5
MAX_LABEL = 30  # characters: longer labels are cut off on a phone
ELLIPSIS = "…"


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


def short_label(title: str, limit: int = MAX_LABEL) -> str:
    """`title` within `limit` characters: whole words, then "…" when something was left out
    ("Đi từng ngõ, gõ từng nhà, hướng dẫn từng người" → "Đi từng ngõ, gõ từng nhà…")."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    room = limit - len(ELLIPSIS)
    cut = title[: room + 1].rsplit(" ", 1)[0] if " " in title[: room + 1] else title[:room]
    return cut[:room].rstrip(" ,;:.-–") + ELLIPSIS


def fit_labels(titles: list[str], limit: int = MAX_LABEL) -> list[str]:
    """Each title as a `short_label`, no two alike (compared without case or diacritics). Titles
    that shorten alike keep their last words, which tell them apart ("Kích hoạt… mức 2",
    "Kích hoạt… mức 3"); failing that, their place in the list ("… (2)")."""
    labels = [short_label(t, limit) for t in titles]
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(fold(label), []).append(i)
    for group in groups.values():
        if len(group) > 1:
            for i, label in zip(group, _told_apart([titles[i] for i in group], limit), strict=True):
                labels[i] = label
    if len({fold(label) for label in labels}) < len(labels):
        labels = [short_label(t, limit - 4) + f" ({i + 1})" for i, t in enumerate(titles)]
    return labels


def _told_apart(titles: list[str], limit: int) -> list[str]:
    """Titles that shorten alike: a head cut to fit, then the fewest last words (4 characters at
    least) that differ; numbered when no such ending fits."""
    split = [t.split() for t in titles]
    shortest = min(len(w) for w in split)
    for k in range(1, shortest):
        tails = [" ".join(w[-k:]) for w in split]
        if len({fold(t) for t in tails}) < len(tails):
            continue
        while k + 1 < shortest and min(len(t) for t in tails) < 4:
            k += 1
            tails = [" ".join(w[-k:]) for w in split]
        if max(len(t) for t in tails) + 6 <= limit:
            return [
                short_label(" ".join(w[:-k]), limit - len(t) - 1) + " " + t
                for w, t in zip(split, tails, strict=True)
            ]
        break
    return [short_label(t, limit - 4) + f" ({n + 1})" for n, t in enumerate(titles)]
