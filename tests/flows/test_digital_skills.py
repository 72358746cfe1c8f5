"""The 5 basic digital skills, transcript by transcript: every lesson and its quiz, passing
and failing, mastering all five (recorded once), village and household (set, skipped,
refused), counting households, and cancel/back/menu/timeout/resume/burst."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import Settings
from bot.features.skills.households import mastery_by_village
from bot.features.skills.lessons import Lesson, load_lessons
from bot.services import Services
from db import org as org_db
from db import residents as resident_rows
from db import skills as skill_rows
from db.models import Conversation, EventLog, InboundEvent, Resident, SkillProgress, Village
from db.session import read_scope, session_scope
from db.types import utcnow
from tests.flows.support import latest_buttons, logged, services_for, steps, tap
from tests.harness import Chat

LESSONS = load_lessons(Settings().content_dir)
SKILLS = LESSONS.ids


@pytest.fixture
def services(db_url: str) -> Services:
    return services_for(db_url)


def lesson(skill: str) -> Lesson:
    found = LESSONS.get(skill)
    assert found is not None
    return found


def open_lesson(chat: Chat, skill: str) -> None:
    chat.send("#go:digital_skills")
    chat.press("Chọn bài học")
    chat.press(lesson(skill).label)  # "✅ " in front once passed
    assert f"Bài {lesson(skill).number}: {lesson(skill).title} (1/" in chat.said


def to_quiz(chat: Chat, skill: str) -> None:
    for _ in range(len(lesson(skill).pages) - 1):
        chat.press("Trang tiếp")
    chat.press("Làm bài kiểm tra")


def answer_all(chat: Chat, skill: str, right: list[bool]) -> None:
    """Answer every question, right or wrong as told, and open the result."""
    questions = lesson(skill).quiz.questions
    assert len(right) == len(questions)
    for i, (question, ok) in enumerate(zip(questions, right, strict=True)):
        assert question.question in chat.said
        correct = question.answers[question.correct - 1]
        wrong = next(a for a in question.answers if a != correct)
        tap(chat, correct if ok else wrong)
        assert ("✅ Đúng rồi!" if ok else "❌ Chưa đúng") in chat.said
        assert question.explain in chat.said
        chat.press("Xem kết quả" if i == len(questions) - 1 else "Câu tiếp theo")


def pass_quiz(chat: Chat, skill: str) -> None:
    answer_all(chat, skill, [True] * len(lesson(skill).quiz.questions))


def progress(engine: Engine, skill: str) -> SkillProgress | None:
    with read_scope(engine) as s:
        return s.exec(select(SkillProgress).where(SkillProgress.skill == skill)).first()


def resident_row(engine: Engine) -> Resident:
    with read_scope(engine) as s:
        row = s.exec(select(Resident)).one()
        return row


# -- overview, lessons, quizzes ---------------------------------------------------------------


def test_overview_names_the_five_skills_and_offers_the_first_lesson(
    resident: Chat, engine: Engine
) -> None:
    resident.send("menu")
    resident.press("Học 5 kỹ năng số")
    said = resident.said
    for skill in ("dịch vụ công trực tuyến", "mua sắm", "thanh toán", "bảo vệ", "nền tảng số"):
        assert skill in said
    assert "bắt đầu từ bài 1" in said
    assert resident.last_buttons == [
        "▶ Bắt đầu bài 1",
        "Chọn bài học",
        "Thôn, hộ gia đình của tôi",
        "Xong, cảm ơn",
        "Về menu chính",
    ]
    resident.press("Chọn bài học")
    assert resident.last_buttons == [lesson.label for lesson in LESSONS.items]
    assert len(SKILLS) == 5
    resident.send("quay lại")
    resident.press("Bắt đầu bài 1")
    assert "Bài 1: Dịch vụ công trực tuyến (1/3)" in resident.said
    assert steps(engine, "digital_skills") == ["intro", "choose", "lesson"]


@pytest.mark.parametrize("skill", SKILLS)
def test_each_lesson_pages_links_and_a_passed_quiz(
    resident: Chat, engine: Engine, skill: str
) -> None:
    item = lesson(skill)
    open_lesson(resident, skill)
    for number, page in enumerate(item.pages, start=1):
        assert f"({number}/{len(item.pages)})" in resident.said
        links = [b for b in latest_buttons(resident.history) if b["type"] == "oa.open.url"]
        assert [b["payload"]["url"] for b in links] == [link.url for link in page.links]
        assert all(".gov.vn" in str(b["payload"]["url"]) for b in links)
        if number < len(item.pages):
            resident.press("Trang tiếp")
    if len(item.pages) > 1:
        resident.press("Trang trước")
        assert f"({len(item.pages) - 1}/{len(item.pages)})" in resident.said
        resident.press("Trang tiếp")
    resident.press("Làm bài kiểm tra")
    assert f"câu 1/{len(item.quiz.questions)}" in resident.said
    pass_quiz(resident, skill)
    total = len(item.quiz.questions)
    assert f"Bạn trả lời đúng {total}/{total} câu và đã đạt bài" in resident.said
    assert "Bạn đã đạt 1/5 kỹ năng" in resident.said
    row = progress(engine, skill)
    assert row is not None
    assert (row.passed, row.best_score, row.questions, row.attempts) == (True, total, total, 1)
    assert row.passed_at is not None
    assert [e.value for e in logged(engine, "skill_passed")] == [skill]
    answers = logged(engine, "quiz_answer")
    assert [a.value for a in answers] == ["right"] * total
    assert {a.data["skill"] for a in answers} == {skill}
    [quiz] = logged(engine, "skill_quiz")
    assert quiz.data == {"score": total, "questions": total, "passed": True}
    assert logged(engine, "skills_mastered") == []


def test_failing_a_quiz_then_reading_again_and_passing(resident: Chat, engine: Engine) -> None:
    skill = "online_payment"
    open_lesson(resident, skill)
    to_quiz(resident, skill)
    answer_all(resident, skill, [True, False, False, True])
    assert "Bạn trả lời đúng 2/4 câu; cần đúng 3 câu" in resident.said
    assert resident.last_buttons[:3] == ["Đọc lại bài", "Làm lại bài kiểm tra", "Chọn bài khác"]
    row = progress(engine, skill)
    assert row is not None and (row.passed, row.best_score, row.attempts) == (False, 2, 1)
    assert logged(engine, "skill_passed") == []
    resident.press("Đọc lại bài")
    assert "Bài 3: Thanh toán trực tuyến (1/3)" in resident.said
    resident.send("hủy")
    open_lesson(resident, skill)
    to_quiz(resident, skill)
    answer_all(resident, skill, [True, True, False, True])
    assert "đã đạt bài" in resident.said
    row = progress(engine, skill)
    assert row is not None and (row.passed, row.best_score, row.attempts) == (True, 3, 2)
    assert [e.value for e in logged(engine, "skill_passed")] == [skill]


def test_retake_straight_from_the_result(resident: Chat, engine: Engine) -> None:
    skill = "local_platforms"
    open_lesson(resident, skill)
    to_quiz(resident, skill)
    answer_all(resident, skill, [False, False, False, True])
    resident.press("Làm lại bài kiểm tra")
    assert "câu 1/4" in resident.said
    pass_quiz(resident, skill)
    row = progress(engine, skill)
    assert row is not None and (row.passed, row.best_score, row.attempts) == (True, 4, 2)
    assert [q.data["passed"] for q in logged(engine, "skill_quiz")] == [False, True]


def test_typed_numbers_and_words_answer_a_question(resident: Chat, engine: Engine) -> None:
    open_lesson(resident, "online_services")
    to_quiz(resident, "online_services")
    resident.send("2")  # the second answer: "Mức 2", the right one
    assert "✅ Đúng rồi!" in resident.said
    resident.send("cau tiep theo")
    resident.send("dvcongvn.com")  # typed answer, wrong
    assert '❌ Chưa đúng. Đáp án đúng là: "dichvucong.gov.vn".' in resident.said
    assert [a.value for a in logged(engine, "quiz_answer")] == ["right", "wrong"]


def test_an_answer_tapped_twice_counts_once(resident: Chat, engine: Engine) -> None:
    open_lesson(resident, "online_shopping")
    to_quiz(resident, "online_shopping")
    first = next(s for s in reversed(resident.history) if s.buttons)
    tap(resident, "Trả trong app sàn hoặc COD")
    resident.press("Câu tiếp theo")
    assert "câu 2/4" in resident.said
    again = next(b for b in first.buttons if b["title"] == "Trả trong app sàn hoặc COD")
    resident.send(str(again["payload"]))  # the same tap, from the older message
    assert "tin nhắn cũ" in resident.said
    assert "câu 2/4" in resident.said
    assert [a.value for a in logged(engine, "quiz_answer")] == ["right"]
    tap(resident, "Chỉ trả khi cầm hàng")
    assert [a.value for a in logged(engine, "quiz_answer")] == ["right", "right"]


def test_review_the_lesson_from_a_question(resident: Chat) -> None:
    open_lesson(resident, "online_safety")
    to_quiz(resident, "online_safety")
    resident.press("Xem lại bài")
    assert "Bài 4: Tự bảo vệ mình trên mạng (3/3)" in resident.said
    resident.press("Làm bài kiểm tra")
    assert "câu 1/5" in resident.said


def test_all_five_skills_mastered_is_recorded_once(resident: Chat, engine: Engine) -> None:
    resident.send("#go:digital_skills")
    resident.press("Bắt đầu bài 1")
    for i, skill in enumerate(SKILLS, start=1):
        assert f"Bài {i}: {lesson(skill).title} (1/" in resident.said
        to_quiz(resident, skill)
        pass_quiz(resident, skill)
        if i < len(SKILLS):
            assert f"Bạn đã đạt {i}/5 kỹ năng" in resident.said
            resident.press("Học bài tiếp theo")
    assert "thành thạo cả 5 kỹ năng số cơ bản" in resident.said
    assert "Thôn, hộ gia đình của tôi" in resident.last_buttons
    assert steps(engine, "digital_skills")[-1] == "mastered"
    [mastered] = logged(engine, "skills_mastered")
    assert mastered.value == "5"
    assert [e.value for e in logged(engine, "skill_passed")] == list(SKILLS)
    # Passing a quiz again is only a passed quiz: mastery is not recorded twice.
    open_lesson(resident, "online_services")
    to_quiz(resident, "online_services")
    pass_quiz(resident, "online_services")
    assert "đã đạt bài" in resident.said and "thành thạo cả" not in resident.said
    assert len(logged(engine, "skills_mastered")) == 1
    assert len(logged(engine, "skill_passed")) == 5
    resident.send("#go:digital_skills")
    assert "Bạn đã đạt cả 5 kỹ năng" in resident.said
    resident.press("Chọn bài học")
    assert all(label.startswith("✅ ") for label in resident.last_buttons)
    with read_scope(engine) as s:
        assert len(skill_rows.masters(s, skills=SKILLS)) == 1


ENTRY = [
    ("chuyển tiền qua mã QR thế nào", "Bài 3: Thanh toán trực tuyến (1/3)"),
    ("mua hàng online có an toàn không", "Bài 2: Mua sắm trực tuyến (1/3)"),
    ("học cách tự bảo vệ trên mạng", "Bài 4: Tự bảo vệ mình trên mạng (1/3)"),
    ("vssid là gì", "Bài 5: Nền tảng số ở địa phương (1/3)"),
    ("học 5 kỹ năng số", "5 kỹ năng số cơ bản"),
]


@pytest.mark.parametrize(("text", "expected"), ENTRY, ids=[e[0] for e in ENTRY])
def test_a_question_opens_the_lesson_it_is_about(resident: Chat, text: str, expected: str) -> None:
    resident.send(text)
    assert expected in resident.said


# -- village and household --------------------------------------------------------------------


def open_place(chat: Chat) -> None:
    chat.send("#go:digital_skills")
    chat.press("Thôn, hộ gia đình của tôi")
    assert "không bắt buộc" in chat.said


def test_village_by_button_then_household(resident: Chat, engine: Engine, demo_org: None) -> None:
    open_place(resident)
    resident.press("Chọn thôn, tổ dân phố")
    assert resident.last_buttons == [
        "Bản Nà Lầy",
        "Thôn Trung Hòa",
        "Thôn Đông",
        "Tổ dân phố 3",
        "Bỏ qua",
    ] or sorted(resident.last_buttons[:4]) == sorted(
        ["Bản Nà Lầy", "Thôn Trung Hòa", "Thôn Đông", "Tổ dân phố 3"]
    )
    resident.press("Thôn Trung Hòa")
    assert "Mình đã ghi bạn ở Thôn Trung Hòa." in resident.said
    assert "gõ tên hộ" in resident.said
    resident.send("Nguyễn Văn An")
    assert 'Mình đã ghi hộ "Nguyễn Văn An" ở Thôn Trung Hòa.' in resident.said
    row = resident_row(engine)
    with read_scope(engine) as s:
        village = s.exec(select(Village).where(Village.code == "thon-trung-hoa")).one()
    assert (row.village_id, row.household_key) == (village.id, "Nguyễn Văn An")
    assert [e.value for e in logged(engine, "village_set")] == ["thon-trung-hoa"]
    [household] = logged(engine, "household_set")
    assert household.value is None and "Nguyễn" not in str(household.data)
    resident.press("Học tiếp")
    # The introduction was shown when the flow opened: only the progress line now.
    assert "5 kỹ năng số cơ bản:" not in resident.said
    assert "Mình bắt đầu từ bài 1 nhé?" in resident.said
    assert "Chọn bài học" in resident.last_buttons
    resident.press("Thôn, hộ gia đình của tôi")
    assert 'Bạn đã cho biết: Thôn Trung Hòa, hộ "Nguyễn Văn An".' in resident.said


TYPED_VILLAGES = [
    ("xom dong", "Thôn Đông"),
    ("thon trung hoa", "Thôn Trung Hòa"),
    ("tôi ở bản Nà Lầy", "Bản Nà Lầy"),
    ("to dan pho so 3", "Tổ dân phố 3"),
    ("Thôn Đôngg", "Thôn Đông"),
]


@pytest.mark.parametrize(("typed", "name"), TYPED_VILLAGES, ids=[t[0] for t in TYPED_VILLAGES])
def test_village_typed_by_name_alias_or_with_a_typo(
    resident: Chat, engine: Engine, demo_org: None, typed: str, name: str
) -> None:
    open_place(resident)
    resident.press("Chọn thôn")
    resident.send(typed)
    assert f"Mình đã ghi bạn ở {name}." in resident.said


def test_village_by_number_and_an_unknown_name_is_asked_again(
    resident: Chat, engine: Engine, demo_org: None
) -> None:
    open_place(resident)
    resident.press("Chọn thôn")
    second = resident.last_buttons[1]
    resident.send("thôn Xyz")
    assert "Mình chưa tìm thấy thôn" in resident.said
    assert resident.last_buttons[1] == second
    resident.send("2")
    assert f"Mình đã ghi bạn ở {second}." in resident.said
    assert [e.step for e in logged(engine, "flow_invalid")] == ["village"]


def test_many_villages_are_paged_and_numbers_follow_the_page(
    resident: Chat, engine: Engine
) -> None:
    names = [f"Thôn {i}" for i in range(1, 8)]
    with session_scope(engine) as s:
        org_db.apply_org(
            s,
            commune={"name": "Xã Hòa An"},
            villages=[
                {"code": f"thon-{i}", "name": n, "kind": "thon", "households": 100, "aliases": ""}
                for i, n in enumerate(names, start=1)
            ],
            groups=[],
            members=[],
        )
    open_place(resident)
    resident.press("Chọn thôn")
    assert resident.last_buttons == [*names[:4], "Xem thêm ▸"]
    resident.press("Xem thêm")
    assert resident.last_buttons == [*names[4:], "Bỏ qua", "◂ Quay về đầu"]
    resident.send("2")
    assert "Mình đã ghi bạn ở Thôn 6." in resident.said


def test_no_villages_yet_goes_straight_to_the_household(resident: Chat) -> None:
    open_place(resident)
    resident.press("Chọn thôn")
    assert "gõ tên hộ" in resident.said


@pytest.mark.parametrize("how", ["button", "typed"])
def test_village_and_household_can_be_skipped(
    resident: Chat, engine: Engine, demo_org: None, how: str
) -> None:
    open_place(resident)
    resident.press("Chọn thôn")
    if how == "button":
        resident.press("Bỏ qua")
    else:
        resident.send("bỏ qua")
    assert "không sao ạ" in resident.said
    resident.press("Học tiếp")
    resident.press("Thôn, hộ gia đình của tôi")
    resident.press("Đặt tên hộ gia đình")
    if how == "button":
        resident.press("Bỏ qua")
    else:
        resident.send("để sau")
    assert "không sao ạ" in resident.said
    row = resident_row(engine)
    assert (row.village_id, row.household_key) == (None, None)
    assert logged(engine, "village_set") == [] and logged(engine, "household_set") == []


def test_a_household_named_like_the_skip_button_is_still_a_name(
    resident: Chat, engine: Engine
) -> None:
    open_place(resident)
    resident.press("Đặt tên hộ gia đình")
    resident.send("Bố Quang")
    assert 'Mình đã ghi hộ "Bố Quang"' in resident.said
    assert resident_row(engine).household_key == "Bố Quang"


ID_LIKE = ["0912 345 678", "079123456789", "Nguyễn Văn An 0912345678", "123.456.789"]


@pytest.mark.parametrize("typed", ID_LIKE)
def test_id_or_phone_numbers_are_refused_and_not_kept(
    resident: Chat, engine: Engine, typed: str
) -> None:
    open_place(resident)
    resident.press("Đặt tên hộ gia đình")
    resident.send(typed)
    assert "Mình không ghi dãy số này" in resident.said
    assert "9 đến 12 chữ số" in resident.said
    assert resident.last_buttons[:2] == ["Gõ lại tên hộ", "Bỏ qua"]
    assert [e.value for e in logged(engine, "household_refused")] == ["id_like"]
    digits = "".join(ch for ch in typed if ch.isdigit())
    with read_scope(engine) as s:
        conversation = s.exec(select(Conversation)).one()
        logs = s.exec(select(EventLog)).all()
    assert digits not in str(conversation.data)
    assert all(digits not in f"{e.value} {e.data}" for e in logs)
    assert resident_row(engine).household_key is None
    resident.press("Gõ lại tên hộ")
    resident.send("TD-012")
    assert 'Mình đã ghi hộ "TD-012"' in resident.said


def test_a_12_digit_number_is_masked_before_it_is_stored(resident: Chat, engine: Engine) -> None:
    open_place(resident)
    resident.press("Đặt tên hộ gia đình")
    resident.send("079123456789")
    assert "Bạn đừng gửi" in resident.said
    with read_scope(engine) as s:
        stored = [str(e.payload) for e in s.exec(select(InboundEvent)).all()]
    assert all("079123456789" not in p for p in stored)


def test_a_household_without_letters_is_asked_again(resident: Chat, engine: Engine) -> None:
    open_place(resident)
    resident.press("Đặt tên hộ gia đình")
    resident.send("12")
    assert "Tên hộ cần có chữ" in resident.said
    assert [e.step for e in logged(engine, "flow_invalid")] == ["household"]


def test_households_with_a_member_who_mastered_all_skills_are_counted(
    engine: Engine, demo_org: None
) -> None:
    now = utcnow()
    with session_scope(engine) as s:
        villages = {v.code: v.id for v in org_db.villages(s)}
        people = [
            ("1", "thon-dong", "Nguyễn Văn An", SKILLS),
            ("2", "thon-dong", "nguyen van an", SKILLS),  # the same household, typed plainly
            ("3", "thon-dong", "Lê Thị Bình", SKILLS),
            ("4", "thon-dong", None, SKILLS),  # mastered, household not told
            ("5", "thon-dong", "Trần Văn Cường", SKILLS[:4]),  # four skills only
            ("6", "ban-na-lay", "Lò Văn Pánh", SKILLS),
            ("7", None, None, SKILLS),
        ]
        for zalo_id, code, household, passed in people:
            person = resident_rows.touch(s, zalo_user_id=zalo_id, now=now, interacted=True)
            resident_rows.set_village(
                s, resident=person, village_id=villages[code] if code else None
            )
            resident_rows.set_household(s, resident=person, household_key=household)
            assert person.id is not None
            for skill in SKILLS:
                skill_rows.record_attempt(
                    s,
                    resident_id=person.id,
                    skill=skill,
                    score=4,
                    questions=4,
                    passed=skill in passed,
                    now=now,
                )
    with read_scope(engine) as s:
        counts = {m.village_id: m for m in mastery_by_village(s, skills=SKILLS)}
        only_dong = mastery_by_village(s, skills=SKILLS, village_id=villages["thon-dong"])
    dong = counts[villages["thon-dong"]]
    assert (dong.residents, dong.households, dong.without_household) == (4, 2, 1)
    na_lay = counts[villages["ban-na-lay"]]
    assert (na_lay.residents, na_lay.households) == (1, 1)
    assert (counts[None].residents, counts[None].without_household) == (1, 1)
    assert [m.village_id for m in only_dong] == [villages["thon-dong"]]


def test_a_later_failed_attempt_keeps_the_pass(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as s:
        person = resident_rows.touch(s, zalo_user_id="9", now=now, interacted=True)
        assert person.id is not None
        first = skill_rows.record_attempt(
            s, resident_id=person.id, skill="x", score=3, questions=4, passed=True, now=now
        )
        again = skill_rows.record_attempt(
            s, resident_id=person.id, skill="x", score=1, questions=4, passed=False, now=now
        )
        assert first.newly_passed and not again.newly_passed
        assert (again.progress.passed, again.progress.best_score, again.progress.attempts) == (
            True,
            3,
            2,
        )
        assert skill_rows.passed_skills(s, resident_id=person.id) == {"x"}


# -- cancel, back, menu, timeout, resume, burst -----------------------------------------------


def test_cancel_and_menu_in_the_middle_of_a_quiz(resident: Chat, engine: Engine) -> None:
    open_lesson(resident, "online_services")
    to_quiz(resident, "online_services")
    tap(resident, "Mức 2")
    resident.send("hủy")
    assert "đã dừng lại" in resident.said
    open_lesson(resident, "online_services")
    to_quiz(resident, "online_services")
    assert "câu 1/4" in resident.said  # a cancelled quiz starts again
    resident.send("menu")
    assert resident.last_buttons[0] == "Tài khoản VNeID"
    cancels = [(c.step, c.value) for c in logged(engine, "flow_cancel")]
    assert cancels == [("quiz_feedback", "cancel"), ("quiz", "menu")]
    assert logged(engine, "skill_quiz") == []


def test_back_from_a_lesson_returns_to_the_list(resident: Chat) -> None:
    open_lesson(resident, "online_shopping")
    resident.press("Trang tiếp")
    resident.send("quay lại")
    assert "Bạn chọn bài muốn học" in resident.said


def test_idle_timeout_and_resume_in_a_quiz(resident: Chat, engine: Engine) -> None:
    open_lesson(resident, "online_payment")
    to_quiz(resident, "online_payment")
    resident.clock.advance(minutes=29)
    resident.send("1")
    assert "✅ Đúng rồi!" in resident.said
    resident.press("Câu tiếp theo")
    resident.clock.advance(minutes=31)
    replies = resident.send("2")
    assert replies[0].text == "Đã lâu bạn không nhắn nên mình bắt đầu lại nhé."
    [timeout] = logged(engine, "flow_timeout")
    assert (timeout.flow, timeout.step) == ("digital_skills", "quiz")
    assert len(logged(engine, "quiz_answer")) == 1


def test_a_burst_of_answers_is_taken_in_order(resident: Chat, engine: Engine) -> None:
    open_lesson(resident, "online_payment")
    to_quiz(resident, "online_payment")
    resident.send_burst(["1", "câu tiếp theo", "1", "câu tiếp theo", "3"])
    assert [a.value for a in logged(engine, "quiz_answer")] == ["right", "wrong", "wrong"]
    assert "câu 3/4" in resident.transcript()


def test_two_residents_learn_independently(make_chat: Callable[..., Chat], engine: Engine) -> None:
    first, second = make_chat("1111111111111111111"), make_chat("2222222222222222222")
    open_lesson(first, "online_services")
    open_lesson(second, "online_payment")
    to_quiz(first, "online_services")
    to_quiz(second, "online_payment")
    assert "Dịch vụ công trực tuyến: câu 1/4" in first.said
    assert "Thanh toán trực tuyến: câu 1/4" in second.said
