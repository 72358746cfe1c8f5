"""The scam checker's content files are complete and consistent."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.content import Lexicon, ScamContent
from bot.features.scam.links import split_host
from bot.features.scam.render import verdict_message
from bot.features.scam.text import compile_phrase
from bot.texts import render
from tests.scam.conftest import CONTENT_DIR

CONTENT = ScamContent.load(CONTENT_DIR)
LINK_CONTEXT = {"domain": "vi-du.top", "brand": "Ngân hàng A", "official": "a.com.vn", "tld": "top"}


@pytest.mark.parametrize("code", CONTENT.lexicon.all_codes())
def test_every_signal_code_has_a_rendered_vietnamese_explanation(code: str) -> None:
    text = render(CONTENT.lexicon.explanation(code), LINK_CONTEXT)
    assert len(text) >= 20
    assert "{{" not in text
    assert re.search(r"[ăâđêôơưàáảãạ]", text.lower()), "explanations are written in Vietnamese"


def test_signal_types_all_have_advice() -> None:
    types = {s.type for s in CONTENT.lexicon.signals.values()}
    types |= {s.type for s in CONTENT.lexicon.impersonation.values()}
    assert types <= set(CONTENT.advice.types)


@pytest.mark.parametrize(
    ("code", "phrase"),
    [(code, p) for code, spec in CONTENT.lexicon.signals.items() for p in spec.phrases],
)
def test_every_phrase_compiles_to_a_non_trivial_pattern(code: str, phrase: str) -> None:
    source = compile_phrase(phrase)
    assert re.compile(source)
    assert not phrase.rstrip().endswith(("|", "*")), f"{code}: phrase cut short: {phrase!r}"
    assert not re.compile(source).match(" "), f"{code}: {phrase!r} matches nothing in particular"


def test_code_only_signals_are_the_computed_ones() -> None:
    without_phrases = {c for c, s in CONTENT.lexicon.signals.items() if not s.phrases}
    assert without_phrases == {
        c for c in without_phrases if c.startswith(("link_", "model_", "obfuscated_"))
    }


@pytest.mark.parametrize(
    ("section", "key", "field"),
    [("signals", "chat_group_lure", "requires"), ("impersonation", "electricity", "requests")],
)
def test_a_misspelt_signal_code_in_requires_or_requests_is_refused(
    section: str, key: str, field: str
) -> None:
    data = CONTENT.lexicon.model_dump()
    data[section][key][field] = ["bill_dedline"]
    with pytest.raises(ValidationError, match="unknown signal codes"):
        Lexicon.model_validate(data)


def test_allowlist_domains_are_registrable_and_unique() -> None:
    seen: dict[str, str] = {}
    for org in CONTENT.allowlist.organisations:
        for domain in org.domains:
            assert split_host(domain)[2], f"{domain}: no public suffix"
            assert domain not in seen, f"{domain} listed for {seen.get(domain)} and {org.name}"
            seen[domain] = org.name


def test_link_lists_have_no_duplicates() -> None:
    links = CONTENT.links
    for name in ("high_tlds", "moderate_tlds", "shorteners", "free_hosting", "chat_apps"):
        values = getattr(links, name)
        assert len(values) == len(set(values)), name
    assert not set(links.high_tlds) & set(links.moderate_tlds)


def test_quiz_is_well_formed() -> None:
    quiz = CONTENT.quiz
    assert len(quiz.items) >= 8
    answers = {item.answer for item in quiz.items}
    assert answers == {"scam", "legit"}
    rendered = render(quiz.question, {"number": 1, "total": 5, "text": quiz.items[0].text})
    assert quiz.items[0].text in rendered
    assert "3/5" in render(quiz.finished, {"score": 3, "total": 5})


def test_quiz_examples_agree_with_the_checker(analyzer: ScamAnalyzer) -> None:
    for item in CONTENT.quiz.items:
        verdict = analyzer.check(item.text)
        if item.answer == "scam":
            assert verdict.is_scam, item.id
        else:
            assert verdict.risk == "low", item.id


@pytest.mark.parametrize(
    "risk_text", ["Vietcombank: dang nhap vietcombank-xacthuc.top ngay", "Chào bác"]
)
def test_advice_renders_for_every_verdict(analyzer: ScamAnalyzer, risk_text: str) -> None:
    verdict = analyzer.check(risk_text)
    message = verdict_message(verdict, CONTENT.advice)
    assert message.startswith(CONTENT.advice.verdict[verdict.risk])
    assert verdict.advice


@pytest.mark.parametrize("scam_type", sorted(CONTENT.advice.types))
def test_every_scam_type_has_short_actions(scam_type: str) -> None:
    advice = CONTENT.advice.types[scam_type]
    assert advice.label
    assert 1 <= len(advice.now) <= 3
    assert all(len(item) <= 160 for item in advice.now)


def test_advice_points_to_the_official_channels() -> None:
    text = " ".join([*CONTENT.advice.lost_money, *CONTENT.advice.report])
    for channel in ("113", "156", "5656", "canhbao.khonggianmang.gov.vn", "Công an xã"):
        assert channel in text


def test_menu_and_flow_texts_exist() -> None:
    advice = CONTENT.advice
    assert advice.buttons["check"] == "Kiểm tra lừa đảo"
    assert advice.buttons["quiz"] == "Thử tài nhận diện lừa đảo"
    for text in (advice.offer_check, advice.ask_input, advice.report_ask, advice.report_thanks):
        assert len(text) >= 20
    # The bot never asks residents for secrets.
    for text in (advice.ask_input, advice.report_ask):
        assert "gửi mã OTP" not in text.replace("Không cần gửi mã OTP", "")
