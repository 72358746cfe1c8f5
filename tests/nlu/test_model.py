"""The learned intent model: built from the team's examples, cached by content hash,
rebuilt when the content changes, checked by the content check; and how the router uses it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.nlu import model as model_module
from bot.nlu.intents import DEFAULT_CONTENT_DIR, IntentRouter
from bot.nlu.model import check_examples, content_digest, load_examples, load_or_train


def _content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR / "nlu", root / "nlu")
    return root


def test_examples_are_plentiful_and_clean() -> None:
    examples = load_examples(DEFAULT_CONTENT_DIR)
    assert len(examples) >= 700
    assert check_examples(DEFAULT_CONTENT_DIR) == []


def test_model_is_cached_by_content_and_rebuilt_when_it_changes(tmp_path: Path) -> None:
    content, cache = _content(tmp_path), tmp_path / "cache"
    model_module._loaded.clear()  # same content as the packaged one: same digest
    first = load_or_train(content, cache)
    assert first is not None
    assert [p.name for p in cache.iterdir()] == [f"intent-model-{first.digest}.joblib"]
    assert load_or_train(content, cache) is first
    model_module._loaded.clear()  # a new process: read from the cache file
    again = load_or_train(content, cache)
    assert again is not None and again is not first and again.digest == first.digest
    examples = content / "nlu" / "examples" / "thanks.yaml"
    examples.write_text(examples.read_text("utf-8") + "  - đội ơn nhiều lắm\n", "utf-8")
    changed = load_or_train(content, cache)
    assert changed is not None and changed.digest != first.digest
    assert len(list(cache.glob("*.joblib"))) == 2


def test_content_check_reports_bad_examples(tmp_path: Path) -> None:
    content = _content(tmp_path)
    folder = content / "nlu" / "examples"
    (folder / "extra.yaml").write_text(
        "intent: scam_check\nexamples:\n  - cảm ơn nhiều lắm\n", encoding="utf-8"
    )
    problems = check_examples(content)
    assert any("cảm ơn nhiều lắm" in p and "thanks" in p for p in problems), problems
    (folder / "extra.yaml").write_text("intent: weather\nexamples: [trời mưa]\n", "utf-8")
    assert any("unknown intent 'weather'" in p for p in check_examples(content))
    before = content_digest(content)
    (folder / "extra.yaml").unlink()
    assert content_digest(content) != before


@pytest.fixture(scope="module")
def router() -> IntentRouter:
    return IntentRouter.load()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("shop ơi", "unknown"),
        ("về trang chính", "menu"),
        ("ad ơi cho hỏi làm căn cước", "procedure"),
        ("ca8n cu7o71c bi ma61t lam lai ntn vay", "procedure"),
        ("kichs hoatj vneid", "vneid"),
        ("ko nhan dc ma otp", "vneid"),
        ("khai sih cho con", "procedure"),
        ("vk e ms đẻ, bh đi lm giấy cho bé", "procedure"),
        ("can cuoc cua toi so [đã ẩn số định danh] bi sai ngay sinh thi sua o dau", "procedure"),
        ("con trai cưới vợ rồi muốn tách sổ ra ở riêng", "procedure"),
        ("bà nội em mới mất làm giấy tờ gì", "procedure"),
        ("xổ số miền nam hôm nay ra con gì", "unknown"),
        ("chào cháu, bác đây", "greeting"),
        ("lam roi ma no bao thong tin ko hop le", "vneid"),
    ],
)
def test_messages_from_issue_15(router: IntentRouter, text: str, intent: str) -> None:
    assert router.route(text).intent == intent


def test_addressing_is_never_a_command(router: IntentRouter) -> None:
    assert router.global_command("shop ơi") is None
    assert router.global_command("hủy đi shop ơi") == "cancel"
    assert router.route("thôi chào em nhé").intent != "cancel"


def test_route_offers_ranked_alternatives_and_says_when_unsure(router: IntentRouter) -> None:
    clear = router.route("quên mật khẩu vneid")
    assert clear.alternatives[0][0] == "vneid" and not clear.uncertain
    probabilities = [p for _, p in clear.alternatives]
    assert probabilities == sorted(probabilities, reverse=True)
    unsure = [router.route(t) for t in ("có người thật không", "tiền điện", "đăng nhập")]
    assert any(r.uncertain for r in unsure)
    assert all(len(r.alternatives) >= 2 for r in unsure if r.uncertain)
    assert router.route("shop ơi").uncertain


def test_a_very_long_message_reads_only_a_prefix(router: IntentRouter) -> None:
    head = "quên mật khẩu vneid thì làm sao. "
    assert router.route(head + "a " * 25_000).intent == router.route(head + "a " * 2_000).intent


def test_content_check_reports_a_broken_typing_file(tmp_path: Path) -> None:
    content = _content(tmp_path)
    (content / "nlu" / "typing.yaml").write_text("addressees: shop\n", encoding="utf-8")
    assert any(p.startswith("nlu/typing.yaml") for p in check_examples(content))


def test_fast_probabilities_equal_scikit_learn(router: IntentRouter) -> None:
    model = router.model
    assert model is not None
    for text in ("quên mật khẩu vneid", "ca8n cu7o71c bi ma61t", "shop ơi alo", "zzzz"):
        prepared = model_module.prepare(model.cleaner, text)
        fast = model.probabilities(prepared)
        slow = model.pipeline.predict_proba([prepared])[0]
        assert abs(fast - slow).max() < 1e-9
