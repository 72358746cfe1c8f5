"""Scams without links: who a call or chat claims to be, and what it asks for.

`conversation.yaml` lists callers (police, procuracy, BHXH, a school's "new accountant", a
relative in hospital, a gift held at customs…) and asks (a transfer, the OTP, an app, a video
call, secrecy, "bấm phím 9", a fee to release money). A caller with one of its tell-tale asks
is a strong signal; some asks count on their own. An ask after a negation ("không bao giờ
yêu cầu đọc OTP") is advice, not a demand. Reassurance (the commune's notice to come to the
village hall, "không thu tiền qua tài khoản cá nhân") is counted so the analyzer can lower the
risk, and a genuine OTP or balance notice is recognised for tailored advice.

Matching reuses the lexicon's phrase index over the message's folded views (linear in the
message: one dict lookup per word, then anchored matches), plus one more view in which
words one or two typos away from a cue word are corrected (rapidfuzz, cached per word).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.features.scam.chars import is_syllable
from bot.features.scam.content import Conversation
from bot.features.scam.signal import Signal
from bot.features.scam.text import PhraseIndex, Views, _alternation
from bot.text.normalize import words
from bot.texts import render

# Short: "đừng" and "dùng" both fold to "dung" ("bị dùng phát tán… bấm phím 9").
NEGATION_WINDOW = 4
STRONG_NEGATION_WINDOW = 16
MIN_TYPO_LENGTH = 5
MAX_CALLER_SIGNALS = 2


@dataclass(frozen=True)
class ScriptReading:
    """What the conversation cues found in one message."""

    signals: tuple[Signal, ...]
    reassurance: int
    genuine_notice: bool


class ScriptMatcher:
    """`conversation.yaml` compiled once; `read` is cheap and pure."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self._index = PhraseIndex()
        for code, caller in conversation.callers.items():
            self._index.add("c:" + code, caller.phrases)
        for code, ask in conversation.asks.items():
            self._index.add("k:" + code, ask.phrases)
        for kind, phrases in (
            ("p", conversation.pressure),
            ("r", conversation.reassurance),
            ("g", conversation.genuine_notice),
        ):
            for number, phrase in enumerate(phrases):
                self._index.add(f"{kind}:{number}", [phrase])
        self._negation = _alternation(conversation.negations)
        self._strong = _alternation(conversation.strong_negations)
        every = [
            *(p for c in conversation.callers.values() for p in c.phrases),
            *(p for a in conversation.asks.values() for p in a.phrases),
        ]
        self._vocabulary = sorted(
            {w for p in every for w in words(p) if len(w) >= MIN_TYPO_LENGTH and w.isalpha()}
        )
        self._known = frozenset(self._vocabulary)
        self._fix = lru_cache(maxsize=8192)(self._closest)

    # -- typo tolerance ------------------------------------------------------------------
    def _closest(self, token: str) -> str:
        limit = 1 if len(token) < 8 else 2
        best = process.extractOne(token, self._vocabulary, scorer=OSA.distance, score_cutoff=limit)
        return best[0] if best is not None else token

    def corrected(self, view: str) -> str:
        """The view with non-words one or two typos from a cue word corrected."""
        out = []
        for token in view.split():
            if (
                len(token) >= MIN_TYPO_LENGTH
                and token.isalpha()
                and token not in self._known
                and not is_syllable(token)
            ):
                token = self._fix(token)
            out.append(token)
        return " ".join(out) + " "

    # -- matching ------------------------------------------------------------------------
    def _negated(self, view: str, start: int) -> bool:
        before = view[max(0, start - 200) : start].split()
        near = " ".join(before[-NEGATION_WINDOW:]) + " "
        if self._negation is not None and self._negation.search(near):
            return True
        far = " ".join(before[-STRONG_NEGATION_WINDOW:]) + " "
        return self._strong is not None and bool(self._strong.search(far))

    def _reject(self, key: str, view: str, pos: int) -> bool:
        return key[0] in "kp" and self._negated(view, pos)

    def read(self, views: Views) -> ScriptReading:
        found: dict[str, tuple[str, int]] = {}
        texts = views.all()
        fixed = self.corrected(views.clear)
        if fixed not in texts:
            texts.append(fixed)
        for view in texts:
            self._index.scan(view, found, self._reject)
        kinds: dict[str, list[tuple[int, str]]] = {}
        for key, (_, start) in found.items():
            kind, _, name = key.partition(":")
            kinds.setdefault(kind, []).append((start, name))
        callers = [name for _, name in sorted(kinds.get("c", []))]
        asks = {name for _, name in kinds.get("k", [])}
        signals = self._signals(callers, asks, bool(kinds.get("p")))
        return ScriptReading(tuple(signals), len(kinds.get("r", [])), bool(kinds.get("g")))

    def _signals(self, callers: list[str], asks: set[str], pressure: bool) -> list[Signal]:
        conv = self.conversation
        signals: list[Signal] = []
        for code in callers:
            caller = conv.callers[code]
            matching = [a for a in caller.asks if a in asks]
            if not matching or len(signals) >= MAX_CALLER_SIGNALS:
                continue
            context = {"caller": caller.name, "ask": conv.asks[matching[0]].name}
            weight = conv.combo_weight if caller.weight is None else caller.weight
            signals.append(
                Signal("script_" + code, render(conv.explanation, context), weight, caller.type)
            )
        if signals and (pressure or "secrecy" in asks):
            signals.append(
                Signal("script_pressure", conv.pressure_explanation, conv.pressure_weight)
            )
        for code in sorted(asks):
            ask = conv.asks[code]
            if ask.weight > 0:
                signals.append(Signal("ask_" + code, ask.explanation, ask.weight, ask.type))
        return signals
