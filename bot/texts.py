"""The wording residents see: loaded from `content/`, rendered by one strict Jinja2 environment.

Templates use `StrictUndefined`: a misspelt variable fails `bot content check` and the
tests instead of sending a blank to a resident. Output is NFC and trimmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ValidationError

from bot.text.normalize import nfc


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The one Jinja2 environment for content: sandboxed, strict, no HTML escaping."""
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["money"] = format_money
    return env


def format_money(value: int | float | None) -> str:
    """12000 → "12.000đ" (Vietnamese thousands separator)."""
    if value is None:
        return "không rõ"
    if value == 0:
        return "miễn phí"
    return f"{int(value):,}".replace(",", ".") + "đ"


@lru_cache(maxsize=4096)
def compile_template(source: str) -> Template:
    return environment().from_string(source)


def render(source: str, context: Mapping[str, Any] | None = None) -> str:
    """Render one content template with `context`; NFC, surrounding blank space removed."""
    return nfc(compile_template(source).render(**(context or {}))).strip()


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


M = TypeVar("M", bound=BaseModel)


def load_model(path: Path, model: type[M], where: str) -> tuple[M | None, list[str]]:
    """Read the YAML file at `path` into `model`: (the value, []) or (None, every problem as
    "<where>: <field>: <what is wrong>"), so a content check can report all files at once."""
    try:
        return model.model_validate(load_yaml(path)), []
    except ValidationError as exc:
        return None, [
            f"{where}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
    except Exception as exc:  # noqa: BLE001 (YAML syntax, unreadable file: report it)
        return None, [f"{where}: {exc}"]


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": "x"}} → {"a.b": "x"}; lists and strings are leaves."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


class Texts:
    """Replies addressed by dotted keys: `content/replies.yaml` ("menu.title"), plus one file
    per feature in `content/texts/` whose keys start with the file name ("handoff.sent")."""

    def __init__(self, entries: Mapping[str, Any]) -> None:
        self._entries = dict(entries)

    @classmethod
    def load(cls, content_dir: Path) -> Texts:
        entries = flatten(load_yaml(content_dir / "replies.yaml") or {})
        for path in sorted((content_dir / "texts").glob("*.yaml")):
            entries.update(flatten(load_yaml(path) or {}, path.stem + "."))
        return cls(entries)

    def has(self, key: str) -> bool:
        return key in self._entries

    def keys(self) -> list[str]:
        return sorted(self._entries)

    def raw(self, key: str) -> Any:
        try:
            return self._entries[key]
        except KeyError:
            msg = f"no text '{key}' in replies.yaml"
            raise KeyError(msg) from None

    def get(self, key: str, /, **context: Any) -> str:
        """The text under `key`, rendered with `context`."""
        value = self.raw(key)
        if not isinstance(value, str):
            msg = f"replies.yaml '{key}' is not a text"
            raise TypeError(msg)
        return render(value, context)
