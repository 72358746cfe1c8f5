"""Normalise Vietnamese text the way residents type it.

Residents type with or without diacritics, with typos, teencode and abbreviations
("ko dc", "cccd", "dvc"). Matching code works on `normalize(text)`: NFC, lower-case,
diacritics folded (đ → d), punctuation dropped, whitespace collapsed and common
abbreviations expanded from `content/nlu/abbreviations.yaml`. Stored text stays NFC
(`nfc`), never folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ABBREVIATIONS = (
    Path(__file__).resolve().parent.parent / "content" / "nlu" / "abbreviations.yaml"
)

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def nfc(text: str) -> str:
    """The canonical stored form of any text: Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics: "Đăng ký" → "dang ky"."""
    if text.isascii():
        # Most residents type without diacritics: nothing to strip, lower() is casefold().
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_FOLD_EXTRA))


def words(text: str) -> list[str]:
    """Folded word tokens, punctuation removed (underscore counts as a separator)."""
    return [w for w in _NON_WORD.sub(" ", fold(text)).replace("_", " ").split() if w]


@lru_cache(maxsize=4)
def load_abbreviations(path: Path = DEFAULT_ABBREVIATIONS) -> Mapping[str, str]:
    """Folded abbreviation → folded expansion, read from the content YAML."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for expansion, shorts in raw.items():
        target = " ".join(words(str(expansion)))
        for short in shorts or ():
            key = " ".join(words(str(short)))
            if key and key != target:
                table[key] = target
    return table


def normalize(text: str, abbreviations: Mapping[str, str] | None = None) -> str:
    """Folded, de-punctuated text with abbreviations expanded, for matching only.

    With the packaged abbreviations the result is remembered for the last few texts: one
    message is normalised by the router, its model and the procedure search in turn.
    """
    if abbreviations is not None:
        return _normalize(text, abbreviations)
    table = load_abbreviations()
    if table is not _remembered_for[0]:  # the abbreviations were read again
        _normalized.cache_clear()
        _remembered_for[0] = table
    return _normalized(text)


_remembered_for: list[Mapping[str, str] | None] = [None]


@lru_cache(maxsize=512)
def _normalized(text: str) -> str:
    return _normalize(text, load_abbreviations())


def _normalize(text: str, table: Mapping[str, str]) -> str:
    out: list[str] = []
    for word in words(text):
        out.append(table.get(word, word))
    return _SPACES.sub(" ", " ".join(out)).strip()


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: Any) -> Any:
    """`value` (decoded JSON) with every lone surrogate ("\\ud800" escaped in a JSON body, which
    no database or encoder accepts) replaced by U+FFFD, in keys and strings at any depth.
    Iterative, so any nesting `json.loads` accepted is fine; unchanged input is returned as is."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [value]
    stack: list[tuple[Any, list[Any] | dict[str, Any], Any]] = [(value, root, 0)]
    while stack:
        node, parent, key = stack.pop()
        if isinstance(node, dict):
            copy: dict[str, Any] = {}
            for k, v in node.items():
                name = _SURROGATE.sub("\ufffd", k) if isinstance(k, str) else k
                copy[name] = v
                if isinstance(v, dict | list):
                    stack.append((v, copy, name))
                elif isinstance(v, str):
                    copy[name] = _SURROGATE.sub("\ufffd", v)
            parent[key] = copy
        else:
            items: list[Any] = list(node)
            for i, v in enumerate(items):
                if isinstance(v, dict | list):
                    stack.append((v, items, i))
                elif isinstance(v, str):
                    items[i] = _SURROGATE.sub("\ufffd", v)
            parent[key] = items
    return root[0]


def typed_number(text: str, *, max_digits: int = 6) -> int | None:
    """The number a resident typed to pick a button or an id ("2", "3.", "1)"), when it is
    a short run of ASCII digits; None otherwise. `str.isdigit()` alone is not enough: it
    takes "²" (which `int` refuses) and 50,000 digits (which `int` refuses too, and no
    database column holds)."""
    stripped = text.strip().rstrip(".)")
    if not (0 < len(stripped) <= max_digits and stripped.isascii() and stripped.isdigit()):
        return None
    return int(stripped)
