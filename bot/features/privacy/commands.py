"""The phrases residents type to ask what is kept or to have it erased (`content/privacy.yaml`),
matched after folding (with or without diacritics), in time linear in the message."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.text.normalize import words
from bot.texts import load_yaml

FILE = "privacy.yaml"
KINDS = ("erase", "summary")
# A message may say a little more than the phrase ("cho tôi xóa dữ liệu của tôi nhé").
EXTRA_WORDS = 4
MAX_CHARS = 200


@dataclass(frozen=True)
class Commands:
    phrases: tuple[tuple[str, tuple[str, ...]], ...]

    def match(self, text: str) -> str | None:
        """ "erase", "summary", or None."""
        if len(text) > MAX_CHARS:
            return None
        typed = words(text)
        if not typed:
            return None
        padded = f" {' '.join(typed)} "
        for kind, phrases in self.phrases:
            for phrase in phrases:
                if len(typed) <= len(phrase.split()) + EXTRA_WORDS and f" {phrase} " in padded:
                    return kind
        return None


def read(content: Path) -> tuple[Commands | None, list[str]]:
    path = content / FILE
    try:
        data = load_yaml(path)
    except (OSError, ValueError) as exc:
        return None, [f"{FILE}: cannot be read: {exc}"]
    problems: list[str] = []
    phrases: list[tuple[str, tuple[str, ...]]] = []
    for kind in KINDS:
        listed = data.get(kind) if isinstance(data, dict) else None
        if not isinstance(listed, list) or not listed:
            problems.append(f"{FILE}: '{kind}' must be a list of phrases")
            continue
        folded = []
        for item in listed:
            if not isinstance(item, str) or not words(item):
                problems.append(f"{FILE}: '{kind}': {item!r} is not a phrase")
                continue
            folded.append(" ".join(words(item)))
        phrases.append((kind, tuple(folded)))
    return (None if problems else Commands(tuple(phrases))), problems


def check(content: Path) -> list[str]:
    """The content check: the file is there and every phrase reads."""
    return read(content)[1]


@lru_cache(maxsize=4)
def commands_for(content: Path) -> Commands:
    loaded, problems = read(content)
    if loaded is None:
        raise ValueError("; ".join(problems))
    return loaded
