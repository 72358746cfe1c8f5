"""The scam checker's content files (`content/scam/*.yaml`), loaded into validated models.

Editors change these files; the models refuse unknown keys, weights outside 0–1 and
signal types that `advice.yaml` does not describe, so a typo fails `bot content check`
and the tests instead of silently weakening the checker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.texts import load_yaml

SCAM_DIR = "scam"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalSpec(_Strict):
    """One signal of `lexicon.yaml`: how heavy it is, what it means, how to find it."""

    weight: float = Field(ge=0, le=1)
    type: str
    explanation: str = Field(min_length=8)
    phrases: tuple[str, ...] = ()
    negatable: bool = False
    action: bool = False
    # Counts only when the message also carries one of these signals (e.g. a chat-group link).
    requires: tuple[str, ...] = ()


class ImpersonationSpec(_Strict):
    """Words that show who a message claims to come from, and the signal emitted for it."""

    code: str
    weight: float = Field(ge=0, le=1)
    type: str
    explanation: str = Field(min_length=8)
    phrases: tuple[str, ...] = Field(min_length=1)
    # Signals that are a request when this sender is claimed, though not for every sender
    # (a bill due within a day or two, in the name of "Điện lực").
    requests: tuple[str, ...] = ()


class Lexicon(_Strict):
    """`lexicon.yaml`."""

    signals: dict[str, SignalSpec]
    impersonation: dict[str, ImpersonationSpec]
    negations: tuple[str, ...]
    strong_negations: tuple[str, ...] = ()
    awareness: tuple[str, ...] = ()
    suspicious_domain_words: tuple[str, ...]
    gambling_domain_words: tuple[str, ...] = ()
    teencode: dict[str, tuple[str, ...]]

    @model_validator(mode="after")
    def _codes_are_unique(self) -> Lexicon:
        codes = [spec.code for spec in self.impersonation.values()]
        clash = set(codes) & set(self.signals) | {c for c in codes if codes.count(c) > 1}
        if clash:
            msg = f"signal codes used twice: {sorted(clash)}"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _referenced_codes_exist(self) -> Lexicon:
        references = [(code, spec.requires) for code, spec in self.signals.items()]
        references += [(spec.code, spec.requests) for spec in self.impersonation.values()]
        for code, referenced in references:
            unknown = sorted(set(referenced) - set(self.signals))
            if unknown:
                msg = f"{code}: unknown signal codes {unknown}"
                raise ValueError(msg)
        return self

    def explanation(self, code: str) -> str:
        if code in self.signals:
            return self.signals[code].explanation
        for spec in self.impersonation.values():
            if spec.code == code:
                return spec.explanation
        msg = f"unknown scam signal '{code}'"
        raise KeyError(msg)

    def all_codes(self) -> list[str]:
        return [*self.signals, *(spec.code for spec in self.impersonation.values())]


class Organisation(_Strict):
    """An official organisation of `allowlist.yaml`."""

    name: str
    category: str
    domains: tuple[str, ...] = Field(min_length=1)
    brands: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    protect: bool = False

    @field_validator("domains", "brands")
    @classmethod
    def _lower_ascii(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if value != value.strip().lower() or not value.isascii() or " " in value:
                msg = f"'{value}' must be lower-case ASCII without spaces"
                raise ValueError(msg)
            if value.startswith(("http", "www.")) or "/" in value:
                msg = f"write '{value}' as a bare domain (no http://, www. or path)"
                raise ValueError(msg)
        return values


class Allowlist(_Strict):
    """`allowlist.yaml`."""

    government_suffixes: tuple[str, ...]
    education_suffixes: tuple[str, ...] = ()
    categories: dict[str, str]
    organisations: tuple[Organisation, ...]
    # Links of the commune's own chat groups (zalo.me/g/…): an invitation to one is genuine.
    chat_groups: tuple[str, ...] = ()

    @field_validator("chat_groups")
    @classmethod
    def _group_links(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            host, _, path = value.partition("/")
            bare = value == value.strip() and " " not in value and value.isascii()
            if not bare or value.startswith(("http", "www.")) or not host or not path.strip("/"):
                msg = f"write '{value}' as a group link without https://, e.g. zalo.me/g/abc123"
                raise ValueError(msg)
        return values

    @model_validator(mode="after")
    def _known_categories(self) -> Allowlist:
        for org in self.organisations:
            if org.category not in self.categories:
                msg = f"{org.name}: unknown category '{org.category}'"
                raise ValueError(msg)
        return self


class LinkLists(_Strict):
    """`tlds.yaml`, `shorteners.yaml` and `hosting.yaml` together."""

    high_tlds: tuple[str, ...]
    moderate_tlds: tuple[str, ...]
    shorteners: tuple[str, ...]
    free_hosting: tuple[str, ...]
    chat_apps: tuple[str, ...]
    app_links: tuple[str, ...] = ()


class CallerSpec(_Strict):
    """Who a call or chat claims to be (`conversation.yaml`), and which demands give it away."""

    name: str
    type: str
    phrases: tuple[str, ...] = Field(min_length=1)
    asks: tuple[str, ...] = Field(min_length=1)
    weight: float | None = Field(default=None, ge=0, le=1)


class AskSpec(_Strict):
    """What a scam script asks for; `weight` > 0 counts even without a named caller."""

    name: str
    phrases: tuple[str, ...] = Field(min_length=1)
    weight: float = Field(default=0, ge=0, le=1)
    type: str = "khac"
    explanation: str = ""

    @model_validator(mode="after")
    def _weighted_is_explained(self) -> AskSpec:
        if self.weight > 0 and len(self.explanation) < 8:
            msg = "an ask with a weight needs an explanation"
            raise ValueError(msg)
        return self


class Conversation(_Strict):
    """`conversation.yaml`: scam scripts without links, reassurance, genuine notices."""

    negations: tuple[str, ...] = Field(min_length=1)
    strong_negations: tuple[str, ...] = ()
    combo_weight: float = Field(ge=0, le=1)
    pressure_weight: float = Field(ge=0, le=1)
    explanation: str = Field(min_length=8)
    pressure_explanation: str = Field(min_length=8)
    callers: dict[str, CallerSpec]
    asks: dict[str, AskSpec]
    pressure: tuple[str, ...] = ()
    reassurance: tuple[str, ...] = ()
    genuine_notice: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _asks_exist(self) -> Conversation:
        for code, caller in self.callers.items():
            unknown = set(caller.asks) - set(self.asks)
            if unknown:
                msg = f"caller {code}: unknown asks {sorted(unknown)}"
                raise ValueError(msg)
        return self

    def types(self) -> set[str]:
        return {c.type for c in self.callers.values()} | {
            a.type for a in self.asks.values() if a.weight > 0
        }


class Examples(_Strict):
    """`examples.yaml`: the team's own labelled messages (teach the model, measure the rules)."""

    scam: tuple[str, ...] = Field(min_length=1)
    legit: tuple[str, ...] = Field(min_length=1)


class AdviceType(_Strict):
    """What to do for one scam type."""

    label: str
    now: tuple[str, ...] = Field(min_length=1)


class Advice(_Strict):
    """`advice.yaml`: the resident-facing texts of a verdict."""

    types: dict[str, AdviceType]
    verdict: dict[Literal["high", "medium", "low"], str]
    reasons_title: str
    now_title: str
    # Heads the tips of a low-risk verdict instead of `now_title` (they are caveats, not
    # urgent steps).
    low_risk_title: str
    lost_money_title: str
    lost_money: tuple[str, ...] = Field(min_length=1)
    report_title: str
    report: tuple[str, ...] = Field(min_length=1)
    golden_rules: tuple[str, ...] = Field(min_length=1)
    low_risk_tips: tuple[str, ...] = Field(min_length=1)
    offer_check: str
    ask_input: str
    report_ask: str
    report_thanks: str
    buttons: dict[Literal["check", "quiz", "report", "yes_check", "no_thanks"], str]
    template: str
    # Added to a low-risk verdict on a genuine OTP or transfer notice.
    genuine_transaction: tuple[str, ...] = ()


class QuizItem(_Strict):
    """One example of the "Thử tài nhận diện lừa đảo" quiz."""

    id: str
    text: str = Field(min_length=10)
    answer: Literal["scam", "legit"]
    explanation: str = Field(min_length=10)


class Quiz(_Strict):
    """`quiz.yaml`."""

    intro: str
    question: str
    buttons: dict[Literal["scam", "legit"], str]
    correct: str
    wrong: str
    finished: str
    items: tuple[QuizItem, ...] = Field(min_length=8)

    @model_validator(mode="after")
    def _unique_ids(self) -> Quiz:
        ids = [item.id for item in self.items]
        if len(ids) != len(set(ids)):
            msg = "quiz ids must be unique"
            raise ValueError(msg)
        return self


class ScamContent(_Strict):
    """Every content file of the scam checker."""

    lexicon: Lexicon
    allowlist: Allowlist
    links: LinkLists
    advice: Advice
    quiz: Quiz
    conversation: Conversation
    examples: Examples

    @model_validator(mode="after")
    def _types_have_advice(self) -> ScamContent:
        types = {spec.type for spec in self.lexicon.signals.values()}
        types |= {spec.type for spec in self.lexicon.impersonation.values()}
        types |= self.conversation.types()
        missing = types - set(self.advice.types)
        if missing:
            msg = f"signal types without advice in advice.yaml: {sorted(missing)}"
            raise ValueError(msg)
        return self

    @classmethod
    def load(cls, content_dir: Path) -> ScamContent:
        """Read and validate `content_dir/scam/*.yaml`."""
        base = content_dir / SCAM_DIR
        tlds = load_yaml(base / "tlds.yaml") or {}
        hosting = load_yaml(base / "hosting.yaml") or {}
        links = LinkLists(
            high_tlds=tuple(tlds.get("high", ())),
            moderate_tlds=tuple(tlds.get("moderate", ())),
            shorteners=tuple((load_yaml(base / "shorteners.yaml") or {}).get("shorteners", ())),
            free_hosting=tuple(hosting.get("free_hosting", ())),
            chat_apps=tuple(hosting.get("chat_apps", ())),
            app_links=tuple(hosting.get("app_links", ())),
        )
        return cls(
            lexicon=Lexicon.model_validate(load_yaml(base / "lexicon.yaml")),
            allowlist=Allowlist.model_validate(load_yaml(base / "allowlist.yaml")),
            links=links,
            advice=Advice.model_validate(load_yaml(base / "advice.yaml")),
            quiz=Quiz.model_validate(load_yaml(base / "quiz.yaml")),
            conversation=Conversation.model_validate(load_yaml(base / "conversation.yaml")),
            examples=Examples.model_validate(load_yaml(base / "examples.yaml")),
        )


def content_problems(content_dir: Path) -> list[str]:
    """Problems in the scam checker's content files, for `bot content check`."""
    try:
        ScamContent.load(content_dir)
    except ValidationError as exc:
        return [
            f"scam/: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
    except Exception as exc:  # noqa: BLE001 (unreadable files are reported, not raised)
        return [f"scam/: {exc}"]
    return []
