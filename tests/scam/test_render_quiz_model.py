"""Chat texts of a verdict, the quiz round, looks_checkable, and the optional model."""

from __future__ import annotations

from pathlib import Path

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.model import ScamModel, split_holdout
from bot.features.scam.quiz import QuizRound, parse_choice
from bot.features.scam.render import looks_checkable, verdict_message


def test_high_risk_message_has_reasons_actions_and_lost_money(analyzer: ScamAnalyzer) -> None:
    verdict = analyzer.check(
        "Công an: anh liên quan vụ án, chuyển tiền vào tài khoản tạm giữ, giữ bí mật, "
        "tải app tại bocongan-vn.top/app.apk trước 17h"
    )
    advice = analyzer.content.advice
    message = verdict_message(verdict, advice)
    assert message.startswith(advice.verdict["high"])
    bullets = message.split(advice.now_title)[0].count("•")
    assert 1 <= bullets <= 4
    assert advice.lost_money_title in message
    assert "113" in message and "5656" in message


def test_low_risk_message_has_no_alarm(analyzer: ScamAnalyzer) -> None:
    advice = analyzer.content.advice
    message = verdict_message(analyzer.check("Chiều nay họp thôn"), advice)
    assert message.startswith(advice.verdict["low"])
    assert advice.lost_money_title not in message


def test_links_and_forwarded_messages_are_checkable() -> None:
    assert looks_checkable("xem cái này vietcombank-xacthuc.top")
    assert looks_checkable("Chuyển tiếp: " + "nội dung dài " * 20)
    assert not looks_checkable("cảm ơn bạn")


def test_quiz_round(analyzer: ScamAnalyzer) -> None:
    quiz = analyzer.content.quiz
    round_ = QuizRound.start(quiz, questions=3, seed=1)
    assert len(round_.order) == 3
    question = round_.question(quiz)
    assert "1/3" in question
    assert round_.answer(quiz, "hmm?") is None  # unclear: ask again
    for _ in range(3):
        item = round_.current(quiz)
        label = quiz.buttons[item.answer]
        reply = round_.answer(quiz, label)
        assert reply is not None
        assert reply.startswith(quiz.correct)
        assert item.explanation in reply
        round_ = QuizRound.from_data(round_.to_data())
    assert round_.finished
    assert round_.score == 3


def test_quiz_wrong_answer_explains(analyzer: ScamAnalyzer) -> None:
    quiz = analyzer.content.quiz
    round_ = QuizRound.start(quiz, questions=1, seed=2)
    item = round_.current(quiz)
    wrong = "legit" if item.answer == "scam" else "scam"
    reply = round_.answer(quiz, quiz.buttons[wrong])
    assert reply is not None and reply.startswith(quiz.wrong)
    assert "0/1" in reply


def test_typed_quiz_answers(analyzer: ScamAnalyzer) -> None:
    quiz = analyzer.content.quiz
    assert parse_choice(quiz, "lừa đảo") == "scam"
    assert parse_choice(quiz, "lua dao") == "scam"
    assert parse_choice(quiz, "không lừa đảo") == "legit"
    assert parse_choice(quiz, "tin thật") == "legit"
    assert parse_choice(quiz, "???") is None


def test_model_learns_and_round_trips(tmp_path: Path) -> None:
    scams = [f"Nap dau {i}0k nhan thuong, dang ky ngay tai web-choi{i}.xyz" for i in range(20)]
    legit = [f"Thon {i} hop luc {i} gio sang tai nha van hoa" for i in range(20)]
    items = [(t, True) for t in scams] + [(t, False) for t in legit]
    train, held = split_holdout(items)
    assert len(held) == 10 and sum(lab for _, lab in held) == 5
    model = ScamModel.train([t for t, _ in train], [lab for _, lab in train])
    for text, label in held:
        assert (model.probability(text) >= 0.5) == label
    path = tmp_path / "m.pkl"
    model.save(path)
    again = ScamModel.load(path)
    assert again.probability(held[0][0]) == model.probability(held[0][0])


def test_model_adds_an_explained_signal(analyzer: ScamAnalyzer) -> None:
    texts = [f"xoso hom nay so {i} trung lon" for i in range(10)] + [
        f"thon {i} hop o nha van hoa" for i in range(10)
    ]
    model = ScamModel.train(texts, [True] * 10 + [False] * 10, threshold=0.6)
    combined = ScamAnalyzer(analyzer.content, analyzer.blocklist, model)
    verdict = combined.check("xoso hom nay trung lon")
    assert "model_score" in {s.code for s in verdict.signals}
    assert "model_score" not in {
        s.code for s in combined.check("sang mai thon hop o nha van hoa").signals
    }
