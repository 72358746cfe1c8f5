"""Decide what a resident's free-text message is about.

The dispatcher's order is: global commands → the active flow → button payloads → intent
detection → fallback. This module provides the first and the fourth step:

* `global_command(text)` — "menu", "0", "hủy", "quay lại", "kết thúc" typed on their own
  (with or without diacritics, polite words around them, small typos);
* `IntentRouter.route(text)` — a menu number typed alone, else a weighted vote of the cues in
  `content/nlu/intents.yaml`, plus signals from the raw text (a link, a phone number, money,
  a long forwarded message), turned into a confidence. Below the content's threshold the
  answer is `unknown`, which the dispatcher logs (redacted) as an unanswered question.

Scoring, in short: each intent sums the weights of its cues found in the message (a cue
inside a longer cue of the same intent does not count twice; typo-repaired and gapped matches
count a little less), minus its `not_when` cues. Small talk (greetings, thanks, menu…) steps
back when a real topic is present, so "chào em, cho hỏi làm căn cước" is a procedure question.
Confidence grows with the winning score and shrinks with the runner-up's closeness.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.config import PACKAGE_DIR
from bot.nlu.lexicon import Cue, Hit, Lexicon, Tokens, cue_words
from bot.nlu.model import DEFAULT_CACHE_DIR, IntentModel, check_examples, load_or_train
from bot.nlu.names import COMMANDS, FLOWS, PROCEDURE, SCAM_CHECK, UNKNOWN
from bot.nlu.schema import ContentProblem, NluContent, load_content
from bot.text.normalize import fold, normalize, words
from bot.text.syllables import is_syllable
from bot.text.typed import Cleaner, vocabulary_of

DEFAULT_CONTENT_DIR = PACKAGE_DIR / "content"

ProcedureLookup = Callable[[str], str | None]

_TLDS = (
    "vn|com|net|org|info|biz|xyz|top|vip|icu|shop|online|site|club|me|ly|cc|io|app|link|"
    "live|store|tk|ml|ga|cf|gq|pro|asia|cloud|fun|buzz|win|bid|cyou|sbs|life|world|one|"
    "click|link|site|website|space|tech|today|cfd|autos|lat|beauty|hair|skin|quest|rest"
)
_LINK = re.compile(
    rf"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/\S*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\d.,])(?:\+?84|0)(?:[ .\-]?\d){8,10}(?![\d.,])|\b0\d{2,5}[x*]{3,}", re.IGNORECASE
)
_MONEY = re.compile(r"\b\d[\d.,]*\s?(?:d|dong|vnd|k|tr|trieu|nghin|ngan|ty)\b")
_MAX_COMMAND_WORDS = 4
_MAX_COMMAND_CHARS = 60
# Cue matching reads this much of a message; the rest of a very long paste adds nothing.
MAX_ROUTED_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Route:
    """The router's decision about one message.

    Attributes:
        intent: one of `bot.nlu.names.INTENTS`.
        flow: the flow the dispatcher should start, or None.
        confidence: 0..1; for `unknown`, how sure we are that nothing fits.
        matched: why — the cues, signals or command that decided, as "kind:text".
        procedure: the national procedure code, when a lookup was given and found one.
        scores: every intent's final score, best first (for evaluation and debugging).
        alternatives: the learned model's best intents with their probabilities, best
            first (at most 3; empty without a model or for commands and menu numbers).
        uncertain: the best two are close or the confidence is low: better to ask
            ("Bạn muốn hỏi về…?") with `alternatives` as choices than to guess.
        cleaned: the message as routing read it (`bot.text.typed`).
    """

    intent: str
    flow: str | None
    confidence: float
    matched: tuple[str, ...] = ()
    procedure: str | None = None
    scores: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    alternatives: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    uncertain: bool = field(default=False, compare=False)
    cleaned: str = field(default="", compare=False)

    def as_json(self) -> dict[str, Any]:
        """The `bot route --json` object."""
        return {
            "intent": self.intent,
            "flow": self.flow,
            "procedure": self.procedure,
            "confidence": self.confidence,
            "matched": list(self.matched),
            "uncertain": self.uncertain,
            "alternatives": [{"intent": i, "probability": p} for i, p in self.alternatives],
        }


def _route(intent: str, confidence: float, matched: tuple[str, ...] = (), **kw: Any) -> Route:
    return Route(intent, FLOWS[intent], round(confidence, 3), matched, **kw)


def _explain(hit: Hit) -> str:
    kind = "not" if hit.cue.negative else ("cue" if hit.exact else "cue~")
    return f"{kind}:{hit.cue.text}"


class IntentRouter:
    """Global commands and intent detection over one version of the NLU content."""

    def __init__(self, content: NluContent, model: IntentModel | None = None) -> None:
        self.content = content
        self.model = model
        tuning = content.tuning
        self._tuning = tuning
        cues: list[Cue] = []
        for intent, spec in content.intents.items():
            for table, negative in ((spec.cues, False), (spec.not_when, True)):
                for text, weight in table.items():
                    cues.append(Cue(intent, text, cue_words(text), weight, negative))
        commands = content.commands
        command_words = [p for phrases in commands.phrases().values() for p in phrases]
        self.lexicon = Lexicon(cues, extra_words=command_words, max_gap=tuning.max_gap)
        self._small_talk = frozenset(n for n, s in content.intents.items() if s.small_talk)
        self._fillers = frozenset(w for phrase in content.filler_words for w in words(phrase))

        self._commands: dict[str, str] = {}
        for command, phrases in commands.phrases().items():
            for phrase in phrases:
                self._commands[normalize(phrase)] = command
        self._commands_glued = {key.replace(" ", ""): cmd for key, cmd in self._commands.items()}
        self._fuzzy_commands = sorted(k for k in self._commands_glued if len(k) >= 4)
        self._polite = frozenset(w for p in commands.polite_words for w in normalize(p).split())

        self._menu_prefixes: dict[str, set[str | None]] = {}
        for prefix in content.menu_numbers.prefixes:
            for folded, key in cue_words(prefix)[0]:
                self._menu_prefixes.setdefault(folded, set()).add(key)
        self._menu_choices = dict(content.menu_numbers.choices)

        self._examples: list[str] = []
        self._example_intents: list[str] = []
        for intent, spec in content.intents.items():
            for example in spec.examples:
                self._examples.append(normalize(example))
                self._example_intents.append(intent)
        if model is not None:
            self.cleaner = model.cleaner
        else:
            self.cleaner = Cleaner.default(vocabulary_of([*self._examples, *command_words]))

    @classmethod
    def load(
        cls, content_dir: Path = DEFAULT_CONTENT_DIR, cache_dir: Path | None = DEFAULT_CACHE_DIR
    ) -> IntentRouter:
        """Build a router from `content_dir/nlu/` (validated): the rules of `intents.yaml`,
        and the model learned from `examples/*.yaml` (cached in `cache_dir`), if any."""
        content = load_content(content_dir)
        try:
            model = load_or_train(content_dir, cache_dir)
        except ValueError as exc:
            raise ContentProblem(str(exc)) from exc
        return cls(content, model)

    # -- step 1: global commands ---------------------------------------------------------

    def global_command(self, text: str) -> str | None:
        """ "menu" | "cancel" | "back" | "end" when `text` is just that command, else None."""
        if len(text) > _MAX_COMMAND_CHARS * 2:
            return None
        cleaned = self.cleaner.clean(text, frames=False)
        if not cleaned.text or len(cleaned.text) > _MAX_COMMAND_CHARS:
            return None
        tokens = normalize(cleaned.text).split()
        while len(tokens) > 1 and tokens[-1] in self._polite:
            tokens.pop()
        while len(tokens) > 1 and tokens[0] in self._polite:
            tokens.pop(0)
        if not tokens or len(tokens) > _MAX_COMMAND_WORDS:
            return None
        key = " ".join(tokens)
        if key in self._commands:
            return self._commands[key]
        glued = "".join(tokens)
        if glued in self._commands_glued:
            return self._commands_glued[glued]
        if len(glued) < 3 or (len(tokens) == 1 and is_syllable(glued)):
            return None
        near = process.extract(
            glued, self._fuzzy_commands, scorer=OSA.distance, score_cutoff=1, limit=3
        )
        if not near:
            return None
        closest = near[0][1]
        found = {self._commands_glued[choice] for choice, dist, _ in near if dist == closest}
        return found.pop() if len(found) == 1 else None

    # -- step 4: intent detection --------------------------------------------------------

    def _menu_number(self, tokens: Tokens, hits: list[Hit]) -> str | None:
        """The menu line picked by "2", "số 2", "chọn 2"; a cue wins over a prefix ("mức 2")."""
        if len(tokens.words) == 1:
            return self._menu_choices.get(tokens.words[0])
        if len(tokens.words) != 2 or hits:
            return None
        keys = self._menu_prefixes.get(tokens.words[0])
        typed = tokens.keys[0]
        if keys is None or (typed is not None and None not in keys and typed not in keys):
            return None
        return self._menu_choices.get(tokens.words[1])

    def _signals(self, text: str, tokens: Tokens) -> list[tuple[str, float, str]]:
        signals = self.content.signals
        found: list[tuple[str, float, str]] = []
        if _LINK.search(text):
            found.append((signals.link.intent, signals.link.weight, "signal:link"))
        if _PHONE.search(text):
            phone = signals.phone_number
            found.append((phone.intent, phone.weight, "signal:phone_number"))
        if any(ch.isdigit() for ch in text) and _MONEY.search(fold(text)):
            found.append((signals.money.intent, signals.money.weight, "signal:money"))
        long_message = signals.long_message
        if len(tokens.words) >= long_message.min_words:
            found.append((long_message.intent, long_message.weight, "signal:long_message"))
        return found

    def _score(
        self, hits: list[Hit], signals: list[tuple[str, float, str]]
    ) -> tuple[dict[str, float], dict[str, list[str]]]:
        tuning = self._tuning
        scores: dict[str, float] = {}
        reasons: dict[str, list[str]] = {}
        taken: dict[str, set[int]] = {}
        # Heaviest cues first. A cue counts only for the share of its words that no accepted
        # cue of the same intent used: "mật khẩu" inside "quên mật khẩu" adds nothing,
        # "thẻ bảo hiểm" after "bảo hiểm y tế" adds a third.
        ordered = sorted(hits, key=lambda h: (-self._weight(h), -len(h.positions)))
        for hit in ordered:
            intent = hit.cue.intent
            if hit.cue.negative:
                scores[intent] = scores.get(intent, 0.0) - hit.cue.weight
                reasons.setdefault(intent, []).append(_explain(hit))
                continue
            used = taken.setdefault(intent, set())
            fresh = len(hit.positions - used) / len(hit.positions)
            if not fresh:
                continue
            used.update(hit.positions)
            scores[intent] = scores.get(intent, 0.0) + self._weight(hit) * fresh
            reasons.setdefault(intent, []).append(_explain(hit))
        for intent, weight, reason in signals:
            scores[intent] = scores.get(intent, 0.0) + weight
            reasons.setdefault(intent, []).append(reason)
        topical = max((s for i, s in scores.items() if i not in self._small_talk), default=0.0)
        if topical >= tuning.small_talk_yield_at:
            for intent in self._small_talk & scores.keys():
                scores[intent] *= tuning.small_talk_factor
        return {i: max(s, 0.0) for i, s in scores.items()}, reasons

    def _weight(self, hit: Hit) -> float:
        """A cue's weight, discounted when it matched with gaps or through typo repair."""
        weight = hit.cue.weight
        if hit.gapped:
            weight *= self._tuning.gap_factor
        if hit.fuzzy:
            weight *= self._tuning.fuzzy_factor
        return weight

    def _confidence(self, best: float, runner_up: float) -> float:
        if best <= 0:
            return 0.0
        strength = 1.0 - math.exp(-best / self._tuning.strength_scale)
        margin = (best - runner_up) / best
        return strength * (0.5 + 0.5 * margin)

    def route(self, text: str, procedure_lookup: ProcedureLookup | None = None) -> Route:
        """The intent of `text`, with the flow to start, why, and how sure.

        Args:
            text: the message as the resident typed it (only a bounded prefix is read).
            procedure_lookup: finds the national procedure code for a message (the
                procedures search); called for `procedure` messages, and for messages
                nothing else understood. It must return None when no procedure fits well.
        """
        text = text[:MAX_ROUTED_CHARS]
        cleaned = self.cleaner.clean(text)
        if not cleaned.text:
            # "shop ơi", "ad ơi": someone calling for attention, never a command.
            rules = self._by_rules(text, text, commands=False)
            if rules.intent == UNKNOWN:
                return replace(rules, matched=("addressed",), uncertain=True)
            return rules
        if not any(ch.isalnum() for ch in cleaned.text):
            return replace(self._by_rules(cleaned.text, text), cleaned=cleaned.text)
        rules = self._by_rules(cleaned.text, text)
        decided = rules.matched[:1] and rules.matched[0].startswith(("command:", "menu_number:"))
        if self.model is None or decided:
            return self._with_procedure(rules, cleaned.text, procedure_lookup, 0.0)
        ranked = self.model.rank(normalize(cleaned.text))
        route = replace(self._decide(rules, ranked, text), cleaned=cleaned.text)
        unknown_p = dict(ranked).get(UNKNOWN, 0.0)
        return self._with_procedure(route, cleaned.text, procedure_lookup, unknown_p)

    def _decide(self, rules: Route, ranked: list[tuple[str, float]], raw: str) -> Route:
        """Rules keep the final word when sure (and for links); the model decides the rest."""
        tuning = self._tuning
        best, p1 = ranked[0]
        p2 = ranked[1][1] if len(ranked) > 1 else 0.0
        alternatives = tuple((i, round(p, 3)) for i, p in ranked[:3] if p >= 0.05)
        why = f"model:{best}={p1:.2f}"
        if _LINK.search(raw) and rules.intent == SCAM_CHECK:
            return replace(rules, alternatives=alternatives)
        exact = not any(reason.startswith("cue~:") for reason in rules.matched)
        if rules.intent != UNKNOWN and rules.confidence >= tuning.rules_sure_at and exact:
            if rules.intent == best:
                confidence = round(max(rules.confidence, p1), 3)
                return replace(rules, confidence=confidence, alternatives=alternatives)
            return replace(rules, alternatives=alternatives, uncertain=p1 > 0.9)
        if best == UNKNOWN and rules.intent != UNKNOWN and exact and p1 < 0.55 <= rules.confidence:
            # "Nothing fits" is the model's weakest claim: exact cues outweigh it.
            uncertain = rules.confidence < tuning.uncertain_below
            return replace(rules, alternatives=alternatives, uncertain=uncertain)
        if p1 >= tuning.model_min_confidence:
            uncertain = p1 < tuning.uncertain_below or p1 - p2 < tuning.uncertain_margin
            agree = rules.intent == best
            matched = (why, *rules.matched) if agree else (why,)
            confidence = round(max(p1, rules.confidence) if agree else p1, 3)
            return Route(
                best, FLOWS[best], confidence, matched, None, rules.scores, alternatives, uncertain
            )
        return replace(rules, alternatives=alternatives, uncertain=True)

    def _by_rules(self, cleaned: str, raw: str, *, commands: bool = True) -> Route:
        """The cues of `intents.yaml`: commands, menu numbers, then the weighted vote."""
        command = self.global_command(raw) if commands else None
        if command is not None:
            return _route(COMMANDS[command], 1.0, (f"command:{command}",))
        tokens = self.lexicon.tokens(cleaned)
        hits = self.lexicon.find(tokens)
        choice = self._menu_number(tokens, hits)
        if choice is not None:
            return _route(choice, 1.0, (f"menu_number:{tokens.words[-1]}",))
        scores, reasons = self._score(hits, self._signals(raw, tokens))
        ranked = sorted(
            ((i, s) for i, s in scores.items() if s > 0), key=lambda item: (-item[1], item[0])
        )
        table = tuple((intent, round(score, 3)) for intent, score in ranked)
        best_intent, best = ranked[0] if ranked else (UNKNOWN, 0.0)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = self._confidence(best, runner_up)
        if best > 0 and confidence >= self._tuning.min_confidence:
            extra = self._unexplained_words(tokens, hits)
            if best_intent in self._small_talk and extra:
                # "chào em, cho hỏi <something we do not know>": answering the greeting
                # would swallow the question; as `unknown` it is logged for editors.
                reason = (f"unexplained:{' '.join(extra)}",)
                return _route(UNKNOWN, confidence, reason, scores=table)
            return _route(best_intent, confidence, tuple(reasons[best_intent]), scores=table)
        if best <= 0:
            example = self._nearest_example(tokens.text)
            if example is not None:
                return example
        return _route(UNKNOWN, 1.0 - confidence, scores=table)

    def _unexplained_words(self, tokens: Tokens, hits: list[Hit]) -> list[str]:
        """Words no cue used and that are not fillers, when there are too many of them."""
        used = set().union(*(hit.positions for hit in hits if not hit.cue.negative))
        extra = [
            word
            for position, word in enumerate(tokens.words)
            if position not in used and word not in self._fillers and not word.isdigit()
        ]
        return extra if len(extra) > self._tuning.small_talk_max_extra_words else []

    def _nearest_example(self, normalized: str) -> Route | None:
        if not normalized or not self._examples:
            return None
        found = process.extractOne(
            normalized,
            self._examples,
            scorer=fuzz.ratio,
            score_cutoff=self._tuning.example_min_similarity,
        )
        if found is None:
            return None
        _choice, similarity, index = found
        intent = self._example_intents[index]
        confidence = self._tuning.example_confidence * similarity / 100.0
        return _route(intent, confidence, (f"example:{self._examples[index]}",))

    def _with_procedure(
        self, route: Route, text: str, lookup: ProcedureLookup | None, unknown_p: float
    ) -> Route:
        """The procedure code for a procedure question; a clear lookup hit also turns a
        message nothing understood into one."""
        if lookup is None:
            return route
        if route.intent == PROCEDURE:
            return replace(route, procedure=lookup(text))
        if route.intent != UNKNOWN or unknown_p >= self._tuning.lookup_overrides_unknown_below:
            return route
        if not any(len(w) > 1 and w.isalpha() for w in words(text)):
            return route
        code = lookup(text)
        if code is None:
            return route
        return replace(
            route,
            intent=PROCEDURE,
            flow=FLOWS[PROCEDURE],
            confidence=round(self._tuning.min_confidence, 3),
            matched=(f"procedure_lookup:{code}",),
            procedure=code,
        )

    def check_examples(self) -> list[str]:
        """Examples in the content that do not route to their own intent (for editors)."""
        problems: list[str] = []
        for intent, spec in self.content.intents.items():
            for example in spec.examples:
                got = self.route(example)
                if got.intent != intent:
                    problems.append(
                        f"intents.{intent}.examples: '{example}' is understood as "
                        f"'{got.intent}' ({', '.join(got.matched) or 'no cue'})"
                    )
        return problems


def check_content(content_dir: Path) -> list[str]:
    """Problems in the NLU content, one readable line each; empty when all is well.

    For `bot content check`: the schema, then whether every example routes to its intent.
    """
    problems = check_examples(content_dir)
    if problems:
        return problems
    try:
        router = IntentRouter.load(content_dir)
    except ContentProblem as exc:
        return str(exc).splitlines()
    return router.check_examples()


@lru_cache(maxsize=1)
def default_router() -> IntentRouter:
    """The router over the content shipped with the package, built on first use."""
    return IntentRouter.load(DEFAULT_CONTENT_DIR)


def global_command(text: str) -> str | None:
    """ "menu" | "cancel" | "back" | "end" when `text` is just that command, else None.

    Uses the packaged content; with a custom content directory call
    `IntentRouter.global_command` on that router instead.
    """
    return default_router().global_command(text)


def route(text: str, procedure_lookup: ProcedureLookup | None = None) -> Route:
    """`IntentRouter.route` on the packaged content."""
    return default_router().route(text, procedure_lookup)
