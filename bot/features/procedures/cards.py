"""A procedure as chat messages that fit a phone: the detail card, "more", the match list, buttons.

Wording lives in ``content/procedures/_card.yaml`` (Jinja2, strict). This module builds the
values the templates show (fees and times grouped when every channel says the same thing,
fees written with `format_money`), renders the sections in reading order and packs them
into messages of at most `MESSAGE_LIMIT` characters, never cutting inside a line when it
can cut between lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.features.procedures.catalogue import (
    Catalogue,
    ContentError,
    GeneralRules,
    load_yaml_mapping,
)
from bot.features.procedures.model import CHANNEL_LABELS, Channel, Procedure
from bot.features.procedures.search import Hit
from bot.texts import format_money, render

CARD_FILE = "procedures/_card.yaml"
MESSAGE_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 40
# Imported records can list dozens of papers; the card shows the first ones and links the rest.
MAX_CARD_DOCUMENTS = 8
MAX_DOCUMENT_CHARS = 300
MAX_NOTE_CHARS = 160
# Whom the card sends a resident to when a fact is still being checked.
DEFAULT_ASK = "Trung tâm Phục vụ hành chính công xã"

CARD_SECTIONS = (
    "header",
    "online",
    "documents",
    "fees_times",
    "where",
    "link",
    "notes",
    "verify",
    "imported",
    "footer",
)
MORE_SECTIONS = ("steps", "conditions", "result", "legal_basis")
BUTTON_KEYS = ("more", "general", "search_again", "related_prefix")

# Payloads of the buttons (sent back as the resident's message by `oa.query.hide`).
PAYLOAD_DETAIL = "#thutuc:"
PAYLOAD_MORE = "#thutuc_them:"
PAYLOAD_GENERAL = "#thutuc_chung"
PAYLOAD_SEARCH = "#thutuc_tim"

_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Button:
    """A chat button: what it shows and what it sends back."""

    title: str
    payload: str


@dataclass(frozen=True)
class CardTemplates:
    """The templates of `_card.yaml`, checked for every expected key."""

    card: Mapping[str, str]
    more: Mapping[str, str]
    matches: Mapping[str, str]
    general: str
    buttons: Mapping[str, str]

    @classmethod
    def load(cls, content_dir: Path) -> CardTemplates:
        path = content_dir / CARD_FILE
        raw = load_yaml_mapping(path)
        problems: list[str] = []

        def section(name: str, keys: Sequence[str]) -> dict[str, str]:
            value = raw.get(name)
            if not isinstance(value, Mapping):
                problems.append(f"{path.name}: '{name}' must be a mapping")
                return {}
            out: dict[str, str] = {}
            for key in keys:
                text = value.get(key)
                if not isinstance(text, str):
                    problems.append(f"{path.name}: {name}.{key} is missing or not text")
                else:
                    out[key] = text
            extra = set(value) - set(keys)
            if extra:
                problems.append(f"{path.name}: {name} has unknown keys {sorted(extra)}")
            return out

        card = section("card", CARD_SECTIONS)
        more = section("more", (*MORE_SECTIONS, "empty"))
        matches = section("matches", ("found", "none"))
        buttons = section("buttons", BUTTON_KEYS)
        general = raw.get("general")
        if not isinstance(general, str):
            problems.append(f"{path.name}: 'general' is missing or not text")
            general = ""
        if problems:
            raise ContentError(problems)
        return cls(card=card, more=more, matches=matches, general=general, buttons=buttons)


# -- values shown in the card -----------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;.") + "…"


def fee_text(channel: Channel) -> str | None:
    """The fee as a resident reads it; None when the source gives no fee."""
    if channel.fee_text:
        return channel.fee_text
    if channel.fee_vnd is not None:
        money = format_money(channel.fee_vnd)
        return money[:1].upper() + money[1:]
    return None


def _grouped(pairs: list[tuple[str, str | None]]) -> list[dict[str, str]]:
    """One unlabelled line when every channel says the same; else one line per channel."""
    known = [(label, text) for label, text in pairs if text]
    if not known:
        return []
    texts = {text for _label, text in known}
    if len(texts) == 1 and len(known) == len(pairs):
        return [{"label": "", "text": known[0][1]}]
    return [{"label": label, "text": text} for label, text in known]


def _reviewed(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def card_context(procedure: Procedure) -> dict[str, Any]:
    """The values the card templates may use (documented at the top of `_card.yaml`)."""
    documents = [
        {
            "name": _cut(d.name, MAX_DOCUMENT_CHARS),
            "form": d.form,
            "note": _cut(d.note, MAX_NOTE_CHARS) if d.note else None,
        }
        for d in procedure.documents[:MAX_CARD_DOCUMENTS]
    ]
    fees = _grouped([(CHANNEL_LABELS[c.kind], fee_text(c)) for c in procedure.channels])
    times = _grouped([(CHANNEL_LABELS[c.kind], c.time_text) for c in procedure.channels])
    first = procedure.channels[0] if procedure.channels else None
    online_first = first is not None and first.kind == "truc_tuyen"
    return {
        "title": procedure.title,
        "online": first.note if online_first and first is not None else None,
        "ready": list(procedure.ready),
        "ask": procedure.ask or DEFAULT_ASK,
        "decided_by": procedure.decided_by,
        "name": procedure.name,
        "code": procedure.code,
        "summary": procedure.summary,
        "documents": documents,
        "more_documents": max(len(procedure.documents) - MAX_CARD_DOCUMENTS, 0),
        "fees": fees,
        "times": times,
        "where": [_cut(w, MAX_DOCUMENT_CHARS) for w in procedure.where],
        "link": procedure.link,
        "notes": list(procedure.notes_hay_hoi),
        "verify": list(procedure.verify),
        "imported": procedure.origin == "imported",
        "reviewed": _reviewed(procedure.reviewed),
        "steps": list(procedure.steps),
        "conditions": list(procedure.conditions),
        "result": procedure.result,
        "legal_basis": list(procedure.legal_basis),
    }


# -- packing ------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", text).strip()


def _pieces(section: str, limit: int) -> list[str]:
    """A section cut into pieces of at most `limit` characters, between lines where possible."""
    if len(section) <= limit:
        return [section]
    pieces: list[str] = []
    current = ""
    for line in section.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def pack(sections: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Sections in order, joined by blank lines, as few messages of ≤ `limit` characters."""
    messages: list[str] = []
    current = ""
    for section in sections:
        text = _clean(section)
        if not text:
            continue
        for piece in _pieces(text, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


# -- rendering ----------------------------------------------------------------------------------


def render_card(procedure: Procedure, templates: CardTemplates) -> list[str]:
    """The detail card: documents, fee, time, where, link, notes; each message ≤ 2000 chars."""
    context = card_context(procedure)
    return pack([render(templates.card[name], context) for name in CARD_SECTIONS])


def render_more(procedure: Procedure, templates: CardTemplates) -> list[str]:
    """Steps, conditions, result and legal basis, for residents who want the whole procedure."""
    context = card_context(procedure)
    sections = [render(templates.more[name], context) for name in MORE_SECTIONS]
    if not any(s.strip() for s in sections):
        sections = [render(templates.more["empty"], context)]
    return pack(sections)


def render_matches(hits: Sequence[Hit], catalogue: Catalogue, templates: CardTemplates) -> str:
    """The short "top matches" text shown above the match buttons."""
    shown = list(hits[:MAX_BUTTONS])
    if not shown:
        return render(templates.matches["none"], {})
    items = []
    for hit in shown:
        procedure = catalogue.get(hit.code)
        items.append({"code": hit.code, "title": procedure.title if procedure else hit.name})
    text = render(templates.matches["found"], {"count": len(items), "hits": items})
    return pack([text])[0]


def render_general(general: GeneralRules, templates: CardTemplates) -> list[str]:
    """The general rules (where to file, office hours, no household book, proxies)."""
    rules = [{"id": r.id, "title": r.title, "text": r.text} for r in general.rules]
    return pack([render(templates.general, {"title": general.title, "rules": rules})])


def button_title(text: str) -> str:
    return _cut(text, BUTTON_TITLE_LIMIT)


def match_buttons(hits: Sequence[Hit], catalogue: Catalogue) -> list[Button]:
    """One button per match (at most five), each opening that procedure's card."""
    buttons = []
    for hit in hits[:MAX_BUTTONS]:
        procedure = catalogue.get(hit.code)
        title = procedure.title if procedure else hit.name
        buttons.append(Button(title=button_title(title), payload=f"{PAYLOAD_DETAIL}{hit.code}"))
    return buttons


def card_buttons(
    procedure: Procedure, catalogue: Catalogue, templates: CardTemplates
) -> list[Button]:
    """Follow-up buttons under a card: more details, related procedures, general rules."""
    labels = templates.buttons
    buttons = [
        Button(title=button_title(labels["more"]), payload=f"{PAYLOAD_MORE}{procedure.code}")
    ]
    for code in procedure.related:
        other = catalogue.get(code)
        if other is None or len(buttons) >= MAX_BUTTONS - 2:
            continue
        title = f"{labels['related_prefix']}{other.title}"
        buttons.append(Button(title=button_title(title), payload=f"{PAYLOAD_DETAIL}{code}"))
    buttons.append(Button(title=button_title(labels["general"]), payload=PAYLOAD_GENERAL))
    buttons.append(Button(title=button_title(labels["search_again"]), payload=PAYLOAD_SEARCH))
    return buttons[:MAX_BUTTONS]
