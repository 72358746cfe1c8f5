"""Village news in chat, through the real dispatcher and content: subscribe with consent,
choose the village, see it, change it, stop (typed with or without diacritics, or tapped),
and the invitations (after `follow`, after a helpful flow), rare by design."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import select

from db import residents
from db.models import Resident
from db.session import read_scope
from tests.flows.support import answer_helpfully, logged
from tests.harness import Chat

VN = ZoneInfo("Asia/Ho_Chi_Minh")  # the demo settings' timezone

RESIDENT = "2468458835296117922"


def resident_row(engine: Engine, user_id: str = RESIDENT) -> Resident:
    with read_scope(engine) as s:
        found = residents.get_by_zalo_id(s, zalo_user_id=user_id)
        assert found is not None
        return found


def village_code(engine: Engine, row: Resident) -> str | None:
    from db import org

    with read_scope(engine) as s:
        village = org.village_by_id(s, village_id=row.village_id) if row.village_id else None
        return village.code if village else None


def test_typed_without_diacritics_subscribes_with_consent(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    resident.send("toi muon dang ky nhan thong bao cua xa")
    said = resident.said
    assert "Nhận thông báo của thôn qua Zalo" in said
    # The consent says what they will receive, what is kept, and how to stop.
    assert "họp thôn" in said and "tên Zalo và thôn bạn chọn" in said
    assert 'gõ "hủy nhận tin"' in said
    assert resident.last_buttons[:2] == ["Đồng ý nhận tin", "Để sau"]
    assert not resident_row(engine).news_opt_in  # nothing before the answer
    resident.press("Đồng ý nhận tin")
    # The villages come from the organisation data.
    assert set(resident.last_buttons[:4]) == {
        "Thôn Đông",
        "Thôn Trung Hòa",
        "Bản Nà Lầy",
        "Tổ dân phố 3",
    }
    resident.press("Thôn Đông")
    assert "Bạn đã đăng ký nhận thông báo của Thôn Đông" in resident.said
    row = resident_row(engine)
    assert row.news_opt_in and row.news_opt_in_at == resident.clock.now()
    assert village_code(engine, row) == "thon-dong"
    [done] = logged(engine, "news_subscribed")
    assert done.value == "thon-dong"


def test_typed_answers_and_a_village_by_its_alias(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    resident.send("đăng ký nhận tin")
    resident.send("dong y")
    assert "thôn, bản hay tổ dân phố nào" in resident.said
    resident.send("thôn nào cũng được")
    assert "chưa tìm thấy tên đó" in resident.said
    resident.send("trung hoa")
    assert "Thôn Trung Hòa" in resident.said
    assert village_code(engine, resident_row(engine)) == "thon-trung-hoa"


def test_see_change_and_stop(engine: Engine, demo_org: None, resident: Chat) -> None:
    resident.send("#go:news")
    resident.press("Đồng ý nhận tin")
    resident.press("Bản Nà Lầy")
    # Asked again: what they receive, and since when.
    resident.send("nhận thông báo của thôn")
    assert "Bạn đang nhận thông báo của Bản Nà Lầy" in resident.said
    assert resident.clock.now().astimezone(VN).strftime("%d/%m/%Y") in resident.said  # consent date
    resident.press("Đổi thôn nhận tin")
    assert resident.last_buttons[0] == "Bản Nà Lầy"  # their own village first
    resident.press("Tổ dân phố 3")
    assert "Tổ dân phố 3" in resident.said
    assert village_code(engine, resident_row(engine)) == "tdp-3"
    # Stopping takes one message, typed without diacritics, and is said back.
    resident.send("huy nhan tin")
    assert "đã thôi gửi thông báo của thôn cho bạn (Tổ dân phố 3)" in resident.said
    row = resident_row(engine)
    assert not row.news_opt_in and row.news_opt_in_at is None
    assert [r.value for r in logged(engine, "news_unsubscribed")] == ["tdp-3"]
    # Stopping again: nothing to stop, with the way back in.
    resident.send("không muốn nhận thông báo nữa")
    assert "Bạn chưa đăng ký nhận thông báo của thôn" in resident.said
    assert "Đăng ký nhận tin" in resident.last_buttons


def test_declined_leaves_nothing_stored(engine: Engine, demo_org: None, resident: Chat) -> None:
    resident.send("đăng ký nhận tin của thôn")
    resident.press("Để sau")
    assert 'gõ "đăng ký nhận tin"' in resident.said
    assert not resident_row(engine).news_opt_in


def test_menu_entry_six(engine: Engine, demo_org: None, resident: Chat) -> None:
    resident.send("menu")
    assert "Gõ số 6: Nhận thông báo của thôn" in resident.said
    assert len(resident.last_buttons) == 5  # Zalo's limit: the five buttons stay
    resident.send("6")
    assert "Nhận thông báo của thôn qua Zalo" in resident.said


def test_offered_with_the_welcome_then_not_again_for_a_month(
    engine: Engine, demo_org: None, resident: Chat, make_chat: Callable[..., Chat]
) -> None:
    welcome = resident.follow()
    assert "Xã Hòa An" in welcome[0].text
    [invited] = [s for s in welcome if "Bạn muốn nhận tin của thôn không?" in s.text]
    assert invited.labels == ["Nhận tin của thôn"]
    assert len(resident.last_buttons) == 5  # the menu comes last
    # A helpful answer soon after: no second invitation.
    assert _helpful(resident) is False
    # A month later, not subscribed: invited once after a helpful answer.
    resident.clock.advance(days=31)
    assert _helpful(resident) is True
    [invite] = [s for s in resident.batch if s.labels == ["Nhận tin của thôn"]]
    resident.send(str(invite.buttons[0]["payload"]))
    assert "Bạn đồng ý nhận tin chứ?" in resident.said
    assert [r.value for r in logged(engine, "news_offered")] == ["follow", "helpful"]


def test_never_offered_to_a_subscriber(engine: Engine, demo_org: None, resident: Chat) -> None:
    resident.send("đăng ký nhận tin")
    resident.press("Đồng ý nhận tin")
    resident.press("Thôn Đông")
    resident.clock.advance(days=40)
    assert _helpful(resident) is False
    assert logged(engine, "news_offered") == []


def _helpful(chat: Chat) -> bool:
    """A VNeID answer, then "helpful"; whether the invitation came with the thanks."""
    return any("Bạn muốn nhận tin của thôn không?" in s.text for s in answer_helpfully(chat))


def test_erasure_forgets_the_consent(engine: Engine, demo_org: None, resident: Chat) -> None:
    resident.send("đăng ký nhận tin")
    resident.press("Đồng ý nhận tin")
    resident.press("Thôn Đông")
    resident.send("bot lưu gì về tôi")
    assert "Bạn đang đăng ký nhận tin của thôn" in resident.said
    resident.send("xóa dữ liệu của tôi")
    resident.press("Đồng ý xóa")
    with read_scope(engine) as s:
        erased = s.exec(select(Resident)).one()
    assert not erased.news_opt_in and erased.news_opt_in_at is None
    assert erased.news_offered_at is None
