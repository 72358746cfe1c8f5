"""What the chat needs from procedures, in one object: search, the match list, cards, buttons.

The conversation layer calls `ProcedureService.reply_for_text` with what the resident typed
and `reply_for_payload` when a button comes back (`oa.query.hide` payloads such as
``#thutuc:1.001193``). Each returns a `Reply`: message texts (each ≤ 2000 characters, in
reading order) and at most five buttons for the last message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.features.procedures.cards import (
    MESSAGE_LIMIT,
    PAYLOAD_DETAIL,
    PAYLOAD_GENERAL,
    PAYLOAD_MORE,
    Button,
    CardTemplates,
    card_buttons,
    match_buttons,
    render_card,
    render_general,
    render_matches,
    render_more,
)
from bot.features.procedures.catalogue import Catalogue, ContentError, load_catalogue
from bot.features.procedures.ranker import ProcedureRanker, ranker_for
from bot.features.procedures.search import Hit, Lexicon, ProcedureIndex

# Below this score a hit is too weak to offer; the resident is asked to rephrase.
MIN_MATCH_SCORE = 0.3
# A hit this far ahead of the next one is shown directly, without a choice list (and is
# the code the intent router's lookup commits to). Chosen on the team's own query sets
# (tests/procedures/data): no wrong card on the lay-wording held-back set.
CLEAR_LEAD = 0.2
CLEAR_SCORE = 0.5
# Share of a hit's score that comes from the learned ranker (the rest: the lexical search).
RANKER_SHARE = 0.5
# How many candidates each side proposes before blending.
_CANDIDATES = 10
# Searches remembered (per turn: the same message searched by the router, then the flow).
_RECENT = 64


@dataclass(frozen=True)
class Reply:
    messages: list[str]
    buttons: list[Button] = field(default_factory=list)


class ProcedureService:
    """Catalogue, search index and card templates, loaded once per process."""

    def __init__(
        self,
        catalogue: Catalogue,
        index: ProcedureIndex,
        templates: CardTemplates,
        ranker: ProcedureRanker | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.index = index
        self.templates = templates
        self.ranker = ranker
        # One message is searched more than once in a turn (the router's lookup, then the
        # procedures flow): the last few searches are kept (hits are immutable).
        self._recent: dict[tuple[str, int], tuple[Hit, ...]] = {}

    @classmethod
    def load(cls, content_dir: Path, database_url: str | None) -> ProcedureService:
        """Curated content plus the imported records of `database_url`; ContentError if invalid."""
        catalogue = load_catalogue(content_dir, database_url)
        index = ProcedureIndex.build(catalogue.values(), Lexicon.load(content_dir))
        ranker = ranker_for(catalogue.curated())
        return cls(catalogue, index, CardTemplates.load(content_dir), ranker)

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        """Hits worth offering (score ≥ MIN_MATCH_SCORE), best first.

        A hit's score blends the lexical search's (the words of the procedure's names) with
        the learned ranker's probability (the lay wording of its examples); a procedure the
        ranker was not taught (imported only) has its lexical share alone.
        """
        if limit <= 0:
            return []
        candidates = max(limit, _CANDIDATES)
        key = (text, candidates)
        hits = self._recent.get(key)
        if hits is None:
            lexical = self.index.search(text, candidates)
            if self.ranker is None:
                hits = tuple(lexical)
            else:
                hits = tuple(self._blend(lexical, self.ranker.rank(text, _CANDIDATES)))
            if len(self._recent) >= _RECENT:
                self._recent.clear()
            self._recent[key] = hits
        return [h for h in hits[:limit] if h.score >= MIN_MATCH_SCORE]

    def _blend(self, lexical: list[Hit], learned: list[tuple[str, float]]) -> list[Hit]:
        scores = {h.code: (1 - RANKER_SHARE) * h.score for h in lexical}
        for code, probability in learned:
            if self.catalogue.get(code) is not None:
                scores[code] = scores.get(code, 0.0) + RANKER_SHARE * probability
        names = {h.code: h.name for h in lexical}
        ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [
            Hit(code, names.get(code) or self._title(code), round(score, 4))
            for code, score in ordered
        ]

    def _title(self, code: str) -> str:
        procedure = self.catalogue.get(code)
        return procedure.title if procedure is not None else code

    def reply_for_text(self, text: str) -> Reply:
        """The answer to a free-text question: one card when clear, else up to five choices."""
        hits = self.search(text, limit=5)
        if not hits:
            return Reply(messages=[render_matches([], self.catalogue, self.templates)])
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if hits[0].score >= CLEAR_SCORE and hits[0].score - runner_up >= CLEAR_LEAD:
            reply = self.card(hits[0].code)
            if reply is not None:
                return reply
        return Reply(
            messages=[render_matches(hits, self.catalogue, self.templates)],
            buttons=match_buttons(hits, self.catalogue),
        )

    def card(self, code: str) -> Reply | None:
        procedure = self.catalogue.get(code)
        if procedure is None:
            return None
        return Reply(
            messages=render_card(procedure, self.templates),
            buttons=card_buttons(procedure, self.catalogue, self.templates),
        )

    def more(self, code: str) -> Reply | None:
        procedure = self.catalogue.get(code)
        if procedure is None:
            return None
        buttons = card_buttons(procedure, self.catalogue, self.templates)
        return Reply(messages=render_more(procedure, self.templates), buttons=buttons[1:])

    def general(self) -> Reply:
        return Reply(messages=render_general(self.catalogue.general, self.templates))

    def reply_for_payload(self, payload: str) -> Reply | None:
        """The answer to a procedure button, or None when the payload is not one of ours."""
        payload = payload.strip()
        if payload.startswith(PAYLOAD_DETAIL):
            return self.card(payload.removeprefix(PAYLOAD_DETAIL))
        if payload.startswith(PAYLOAD_MORE):
            return self.more(payload.removeprefix(PAYLOAD_MORE))
        if payload == PAYLOAD_GENERAL:
            return self.general()
        return None


def content_problems(content_dir: Path) -> list[str]:
    """Everything wrong with the procedure content, for `bot content check` ([] when fine).

    Loads curated procedures, general rules, synonyms and card templates, and renders every
    card with strict templates, checking each message fits the 2000-character limit.
    """
    try:
        service = ProcedureService.load(content_dir, None)
    except ContentError as exc:
        return list(exc.problems)
    problems: list[str] = []
    for procedure in service.catalogue.values():
        try:
            messages = render_card(procedure, service.templates)
            messages += render_more(procedure, service.templates)
        except Exception as exc:  # noqa: BLE001  (any template error is a content problem)
            problems.append(f"{procedure.code}: card does not render: {exc}")
            continue
        for message in messages:
            if len(message) > MESSAGE_LIMIT:
                problems.append(f"{procedure.code}: a message has {len(message)} characters")
    return problems
