"""The scam checker: a message (or a link, or a description of a call) in, a verdict out.

Every signal carries a weight between 0 and 1 from `lexicon.yaml`. Signals combine like
independent pieces of evidence ("noisy OR"): ``score = 1 - Π(1 - weight)``, so two
medium signals make a strong case and one weak signal stays weak. A message whose
only links are official ones is trusted more (its score is damped) unless it carries
a signal that no genuine message carries (asking for an OTP, a "safe account"…).

A message claiming to come from an authority or a bank only counts as impersonation
when it also asks for something (money, a code, an app, a click on an unofficial link):
banks and the police do send genuine messages. Some demands count only for one sender
(`requests` in the lexicon): a bill due within two days is telling from "Điện lực", not
from a shop. A link into a chat group is nobody's official link: it never earns the trust
that official links give.

An optional statistical model (`bot.features.scam.model`) adds its probability as one more
signal, so the verdict is still explained by the signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.features.scam.blocklist import Blocklist
from bot.features.scam.content import Organisation, ScamContent
from bot.features.scam.links import LinkChecker, LinkReport, scan_links
from bot.features.scam.model import ScamModel
from bot.features.scam.script import ScriptMatcher
from bot.features.scam.signal import Signal
from bot.features.scam.text import Hit, Matches, PhraseMatcher, TextReader
from bot.texts import render

Risk = Literal["high", "medium", "low"]

HIGH_AT = 0.52
MEDIUM_AT = 0.4
OFFICIAL_LINKS_DAMPING = 0.55
AWARENESS_DAMPING = 0.5
# At most this many reassurances are counted (each halves the score).
MAX_CALM = 2
# The model alone makes a message suspicious ("medium"); with one more signal, "high".
MODEL_MAX_WEIGHT = 0.6
OBFUSCATION_MIN = 2
MAX_LINK_TEXT = 8000
# Within this many characters of the start, a named authority or brand reads as the sender.
SENDER_WINDOW = 90

# Signals that no genuine message carries: an official link does not make them safe.
_HARD = frozenset(
    {
        "asks_secret",
        "safe_account",
        "vneid_upgrade",
        "legal_threat",
        "secrecy",
        "gambling",
        "dating_lure",
        "fake_documents",
        "cancel_via_link",
        "recovery_scam",
        "obfuscated_text",
    }
)
# Link findings that prove a fake whatever the words around them say.
_LINK_PROOF = frozenset(
    {"link_blocklisted", "link_homoglyph", "link_fake_gov", "link_lookalike", "link_apk"}
)
# Requests that are not enough, alone, to call a message from a named sender impersonation.
_WEAK_ACTIONS = frozenset({"click_request", "money_request", "move_app", "chat_group_lure"})
# Groups for which an unofficial link alone (no other request) makes a named sender suspect.
_LINK_IMPERSONATION = frozenset(
    {"police", "tax", "social_insurance", "government", "electricity", "bank", "courier", "school"}
)
# Which impersonation group a protected organisation's category belongs to.
_CATEGORY_GROUP = {
    "government": "government",
    "police": "police",
    "tax": "tax",
    "social_insurance": "social_insurance",
    "bank": "bank",
    "ewallet": "bank",
    "electricity": "electricity",
    "post": "courier",
    "telecom": "telecom",
    "ecommerce": "ecommerce",
}


@dataclass(frozen=True)
class Verdict:
    """The checker's answer for one message."""

    risk: Risk
    is_scam: bool
    score: float
    signals: tuple[Signal, ...]
    advice: str
    scam_type: str | None
    links: tuple[LinkReport, ...] = field(default=(), repr=False)
    # Tailored advice said before the general tips (a genuine OTP or transfer notice).
    tips: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Exactly the shape of `bot scam check --json`."""
        return {
            "risk": self.risk,
            "is_scam": self.is_scam,
            "signals": [{"code": s.code, "explanation": s.explanation} for s in self.signals],
            "advice": self.advice,
        }

    def top(self, limit: int = 4) -> tuple[Signal, ...]:
        """The most important reasons, for a chat reply (at most `limit`)."""
        return self.signals[:limit]


class ScamAnalyzer:
    """Loads content, lists and an optional model once; `check` is then cheap and pure."""

    def __init__(
        self,
        content: ScamContent,
        blocklist: Blocklist | None = None,
        model: ScamModel | None = None,
    ) -> None:
        self.content = content
        self.blocklist = blocklist or Blocklist()
        self.model = model
        lexicon = content.lexicon
        self.links = LinkChecker(
            content.allowlist,
            content.links,
            lexicon.suspicious_domain_words,
            self.blocklist,
            gambling_words=lexicon.gambling_domain_words,
        )
        self._orgs: dict[str, Organisation] = {
            str(number): org
            for number, org in enumerate(content.allowlist.organisations)
            if org.mentions
        }
        self.matcher = PhraseMatcher(
            lexicon, {key: org.mentions for key, org in self._orgs.items()}
        )
        vocabulary = self.matcher.vocabulary()
        for org in content.allowlist.organisations:
            vocabulary.update(org.brands)
        self.reader = TextReader(lexicon.teencode, vocabulary)
        self._impersonation_by_group = dict(lexicon.impersonation)
        self._code_group = {spec.code: group for group, spec in lexicon.impersonation.items()}
        self.script = ScriptMatcher(content.conversation)

    @classmethod
    def load(
        cls,
        content_dir: Path,
        blocklist_path: Path | None = None,
        model_path: Path | None = None,
    ) -> ScamAnalyzer:
        """Build an analyzer from the content folder, a blocklist file and a model file."""
        content = ScamContent.load(content_dir)
        blocklist = Blocklist.load(blocklist_path) if blocklist_path else None
        model = ScamModel.load(model_path) if model_path else None
        return cls(content, blocklist, model)

    # -----------------------------------------------------------------------------
    def check(self, text: str) -> Verdict:
        """Judge one message, link or description of a call."""
        found: dict[str, Signal] = {}
        found_links, stripped = scan_links(text[:MAX_LINK_TEXT])
        reports = tuple(self.links.check(link) for link in found_links)
        for report in reports:
            for finding in report.findings:
                self._add(found, finding.code, finding.context)
        unofficial = [r for r in reports if r.official is None]

        views = self.reader.views(stripped if reports else text)
        matches = self.matcher.match(views)
        self._text_signals(matches, views.obfuscation, found)
        mentioned = [(self._orgs[h.code], h.start <= SENDER_WINDOW) for h in matches.mentions]
        if unofficial and not any(code in found for code in _LINK_PROOF):
            self._brand_mismatch(mentioned, unofficial[0], found)

        # A link into a chat group or a private chat is nobody's official channel.
        private_chat = any(f.code == "link_chat_app" for r in reports for f in r.findings)
        official_only = (
            any(r.official is not None and r.official.category != "platform" for r in reports)
            and not unofficial
            and not private_chat
        )
        if not official_only:
            # A message whose links all belong to a known organisation is not impersonating.
            self._impersonation(matches.impersonations, found, mentioned, bool(unofficial))
        script = self.script.read(views)
        for signal in script.signals:
            if official_only and signal.code.startswith("script_"):
                continue  # a named sender whose links are all its own: not impersonation
            if signal.code not in found or found[signal.code].weight < signal.weight:
                found[signal.code] = signal
        if self.model is not None:
            probability = self.model.probability(text)
            if probability >= self.model.threshold:
                self._add(found, "model_score", weight=round(min(MODEL_MAX_WEIGHT, probability), 3))

        signals = sorted(found.values(), key=lambda s: (-s.weight, s.code))
        calm = script.reassurance + (1 if matches.awareness >= 2 else 0)
        score = _score(signals, official_only, calm)
        risk: Risk = "high" if score >= HIGH_AT else "medium" if score >= MEDIUM_AT else "low"
        scam_type = self._scam_type(signals) if risk != "low" else None
        tips = (
            self.content.advice.genuine_transaction
            if risk == "low" and script.genuine_notice
            else ()
        )
        return Verdict(
            risk=risk,
            is_scam=risk == "high",
            score=round(score, 4),
            signals=tuple(signals),
            advice=self.advice_text(risk, scam_type, tips),
            scam_type=scam_type,
            links=reports,
            tips=tuple(tips),
        )

    def _add(
        self,
        found: dict[str, Signal],
        code: str,
        context: dict[str, str] | None = None,
        weight: float | None = None,
    ) -> None:
        """Record a lexicon signal, keeping the heavier of two findings of one code."""
        spec = self.content.lexicon.signals.get(code)
        if spec is None:
            return
        w = spec.weight if weight is None else weight
        if code in found and found[code].weight >= w:
            return
        explanation = render(spec.explanation, _explanation_context(context))
        found[code] = Signal(code, explanation, w, spec.type)

    def _text_signals(self, matches: Matches, obfuscation: int, found: dict[str, Signal]) -> None:
        signal_specs = self.content.lexicon.signals
        for hit in sorted(matches.signals, key=lambda h: bool(signal_specs[h.code].requires)):
            # A phrase that only means something next to another signal (a chat-group link).
            needed = signal_specs[hit.code].requires
            if not needed or any(code in found for code in needed):
                self._add(found, hit.code)
        if obfuscation >= OBFUSCATION_MIN:
            base = signal_specs["obfuscated_text"].weight
            weight = min(0.9, base + 0.03 * (obfuscation - OBFUSCATION_MIN))
            self._add(found, "obfuscated_text", weight=weight)

    def _brand_mismatch(
        self,
        mentioned: list[tuple[Organisation, bool]],
        link: LinkReport,
        found: dict[str, Signal],
    ) -> None:
        for org, _early in mentioned:
            if org.protect:
                context = {
                    "brand": org.name,
                    "domain": link.link.display,
                    "official": org.domains[0],
                }
                self._add(found, "link_brand_mismatch", context)
                return

    def _impersonation(
        self,
        impersonations: list[Hit],
        found: dict[str, Signal],
        mentioned: list[tuple[Organisation, bool]],
        has_unofficial_link: bool,
    ) -> None:
        strong_action = any(
            self.content.lexicon.signals[code].action and code not in _WEAK_ACTIONS
            for code in found
            if code in self.content.lexicon.signals
        )
        claimed = "self_claimed" in found
        groups: dict[str, bool] = {}
        for hit in impersonations:
            group = self._code_group[hit.code]
            groups[group] = groups.get(group, False) or hit.start <= SENDER_WINDOW or claimed
        for org, early in mentioned:
            category_group = _CATEGORY_GROUP.get(org.category)
            if category_group:
                groups[category_group] = groups.get(category_group, False) or early or claimed
        for group, as_sender in groups.items():
            spec = self._impersonation_by_group[group]
            # Some demands are only telling in one sender's name (a bill due within two days
            # from "Điện lực"): they count as a request for that group alone.
            asks = strong_action or any(code in found for code in spec.requests)
            by_link = has_unofficial_link and group in _LINK_IMPERSONATION
            if not as_sender or not (asks or by_link) or spec.code in found:
                continue
            found[spec.code] = Signal(spec.code, spec.explanation, spec.weight, spec.type)

    @staticmethod
    def _scam_type(signals: list[Signal]) -> str:
        for signal in signals:
            if signal.type != "khac":
                return signal.type
        return "khac"

    def advice_text(self, risk: Risk, scam_type: str | None, tips: Iterable[str] = ()) -> str:
        """The one-paragraph advice of the JSON verdict (`tips`: tailored, said first)."""
        advice = self.content.advice
        if risk == "low" or scam_type is None:
            return " ".join([advice.verdict["low"], *tips, *advice.low_risk_tips])
        items = list(advice.types[scam_type].now)
        if risk == "high":
            items.append(advice.lost_money_title + " " + " ".join(advice.lost_money))
        return " ".join([advice.verdict[risk], *items])


def _score(signals: list[Signal], official_only: bool, calm: int) -> float:
    """Noisy-OR of the weights, damped by official links and by reassurance.

    `calm` counts reassurance ("không bao giờ yêu cầu…", "đến nhà văn hóa thôn") and anti-scam
    warnings; a link that proves a fake is never damped.
    """
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - signal.weight
    score = 1.0 - remaining
    if official_only and not any(s.code in _HARD for s in signals):
        score *= OFFICIAL_LINKS_DAMPING
    if calm and not any(s.code in _LINK_PROOF for s in signals):
        score *= AWARENESS_DAMPING ** min(calm, MAX_CALM)
    return score


def _explanation_context(context: dict[str, str] | None) -> dict[str, str]:
    base = {"domain": "", "brand": "", "official": "", "tld": ""}
    if context:
        base.update(context)
    return base
