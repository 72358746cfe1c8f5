"""The shape of `content/nlu/intents.yaml`, checked strictly so an editor's typo is an error.

Every model forbids unknown keys (`buton:` is an error, not silently ignored). Beyond the
shape, `NluContent` checks what would make routing silently wrong: intents the code does not
know, cues that normalise to nothing, the same cue written twice, a command phrase listed
under two commands, menu numbers that lead nowhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.nlu.lexicon import cue_words
from bot.nlu.names import COMMANDS, DETECTED_INTENTS, INTENTS, UNKNOWN
from bot.text.normalize import normalize

INTENTS_FILE = Path("nlu") / "intents.yaml"

Weight = Annotated[float, Field(gt=0, le=10)]
Probability = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tuning(_Strict):
    """Numbers that decide how sure the router must be; see the comments in the YAML."""

    min_confidence: Probability
    strength_scale: Annotated[float, Field(gt=0)]
    small_talk_yield_at: Weight
    small_talk_factor: Probability
    gap_factor: Probability
    max_gap: Annotated[int, Field(ge=0, le=3)]
    fuzzy_factor: Probability
    example_min_similarity: Annotated[float, Field(ge=50, le=100)]
    example_confidence: Probability
    small_talk_max_extra_words: Annotated[int, Field(ge=0)]
    # With the learned model: rules this sure keep the final word; the model decides the
    # rest from this probability on; below `uncertain_below`, or with the best two closer
    # than `uncertain_margin`, the route is `uncertain` (the chat asks instead of guessing).
    rules_sure_at: Probability = 0.8
    model_min_confidence: Probability = 0.35
    uncertain_below: Probability = 0.55
    uncertain_margin: Probability = 0.15
    # A procedure lookup may turn a message the model calls `unknown` into a procedure
    # only below this probability of `unknown`.
    lookup_overrides_unknown_below: Probability = 0.7


class Commands(_Strict):
    """Short messages that work anywhere, even inside a flow (see `global_command`)."""

    menu: list[str]
    cancel: list[str]
    back: list[str]
    end: list[str]
    polite_words: list[str] = Field(
        description="words ignored at either end of a command (ạ, nhé, đi…)"
    )

    def phrases(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in COMMANDS}

    @model_validator(mode="after")
    def _no_phrase_under_two_commands(self) -> Commands:
        seen: dict[str, str] = {}
        for command, phrases in self.phrases().items():
            for phrase in phrases:
                key = normalize(phrase)
                if not key:
                    msg = f"command '{command}': '{phrase}' has no letters or digits"
                    raise ValueError(msg)
                if seen.get(key, command) != command:
                    msg = f"'{phrase}' is listed under both '{seen[key]}' and '{command}'"
                    raise ValueError(msg)
                seen[key] = command
        return self


class MenuNumbers(_Strict):
    """A digit typed alone ("2", "số 2", "chọn 2") picks that line of the main menu."""

    prefixes: list[str]
    choices: dict[str, str]

    @field_validator("choices")
    @classmethod
    def _choices_are_digits_and_intents(cls, value: dict[str, str]) -> dict[str, str]:
        for number, intent in value.items():
            if not number.isdigit() or number == "0":
                msg = f"menu number '{number}' must be 1-9 ('0' is the menu command)"
                raise ValueError(msg)
            if intent not in DETECTED_INTENTS:
                msg = f"menu number {number} leads to unknown intent '{intent}'"
                raise ValueError(msg)
        return value


class Signal(_Strict):
    """A feature of the raw message (a link, a phone number…) that counts for one intent."""

    intent: str
    weight: Weight

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str) -> str:
        if value not in DETECTED_INTENTS:
            msg = f"unknown intent '{value}'"
            raise ValueError(msg)
        return value


class LongMessage(Signal):
    min_words: Annotated[int, Field(ge=5)]


class Signals(_Strict):
    link: Signal
    phone_number: Signal
    money: Signal
    long_message: LongMessage


class IntentSpec(_Strict):
    """One intent: the cues that point to it, the cues that point away, sample messages."""

    description: str
    small_talk: bool = False
    cues: dict[str, Weight]
    not_when: dict[str, Weight] = Field(default_factory=dict)
    examples: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cues_are_usable(self) -> IntentSpec:
        seen: dict[tuple[tuple[tuple[str, str | None], ...], ...], str] = {}
        for table in (self.cues, self.not_when):
            for cue in table:
                parts = cue_words(cue)
                if not parts or any(not part for part in parts) or cue.count("+") >= len(parts):
                    msg = f"cue '{cue}' has an empty part once punctuation is removed"
                    raise ValueError(msg)
                key = tuple(sorted(parts, key=repr))
                if key in seen:
                    msg = f"cue '{cue}' is the same as '{seen[key]}' once normalised"
                    raise ValueError(msg)
                seen[key] = cue
        if not self.cues:
            msg = "an intent needs at least one cue"
            raise ValueError(msg)
        return self


class NluContent(_Strict):
    """The whole of `content/nlu/intents.yaml`."""

    tuning: Tuning
    commands: Commands
    menu_numbers: MenuNumbers
    signals: Signals
    filler_words: list[str]
    intents: dict[str, IntentSpec]

    @model_validator(mode="after")
    def _intents_match_the_code(self) -> NluContent:
        unknown = sorted(set(self.intents) - set(DETECTED_INTENTS))
        if unknown:
            msg = (
                f"intents not known to the code: {', '.join(unknown)} "
                f"(known: {', '.join(INTENTS)}; '{UNKNOWN}' needs no cues)"
            )
            raise ValueError(msg)
        missing = sorted(set(DETECTED_INTENTS) - set(self.intents))
        if missing:
            msg = f"intents without cues: {', '.join(missing)}"
            raise ValueError(msg)
        return self


class ContentProblem(ValueError):
    """`intents.yaml` is missing, not YAML, or does not fit the schema."""


def load_content(content_dir: Path) -> NluContent:
    """Read and validate `nlu/intents.yaml` under `content_dir`.

    Raises:
        ContentProblem: with a readable list of what is wrong.
    """
    path = content_dir / INTENTS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"{path}: cannot read ({exc.strerror})"
        raise ContentProblem(msg) from exc
    except yaml.YAMLError as exc:
        msg = f"{path}: not valid YAML ({exc})"
        raise ContentProblem(msg) from exc
    try:
        return NluContent.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{path}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ContentProblem("\n".join(lines)) from exc
