"""Each text signal: messages that must raise it and messages that must not (team-written).

Positive examples come with and without diacritics, in teencode, and disguised the way
spam is ("nh4n t1en", "ch.uyen kh.oan"); negatives are ordinary or genuine messages that
use nearby words.
"""

from __future__ import annotations

import pytest

from bot.features.scam.analyzer import ScamAnalyzer
from tests.scam.conftest import codes

CASES: dict[str, tuple[list[str], list[str]]] = {
    "asks_secret": (
        [
            "Anh đọc cho em mã OTP vừa gửi về máy để em hủy giao dịch nhé",
            "anh doc cho em ma otp vua gui ve may nhe",
            "Vui lòng cung cấp số thẻ và mã CVV để nhận hoàn tiền",
            "chi gui cho em mat khau tai khoan ngan hang de em kiem tra",
            "Nhập mã OTP vào đường link để xác nhận nhận quà",
        ],
        [
            "Mã OTP của bạn là 123456. Tuyệt đối không cung cấp mã này cho bất kỳ ai.",
            "Ngân hàng không bao giờ yêu cầu khách hàng cung cấp mật khẩu qua tin nhắn.",
            "Bạn nhớ đổi mật khẩu định kỳ nhé",
        ],
    ),
    "safe_account": (
        [
            "Ông phải chuyển tiền vào tài khoản tạm giữ của cơ quan điều tra",
            "chuyen het tien vao tai khoan an toan de kiem tra dong tien",
            "Bà chuyển sang tài khoản của Bộ Công an để xác minh dòng tiền",
        ],
        [
            "Công an xã thông báo lịch làm căn cước vào thứ Bảy",
            "Tài khoản của bạn đã an toàn hơn khi bật sinh trắc học",
        ],
    ),
    "legal_threat": (
        [
            "Anh liên quan đến vụ án rửa tiền, sẽ có lệnh bắt nếu không hợp tác",
            "LENH TRUY NA: co quan dieu tra se khoi to ong ba",
            "Chị là đồng phạm trong đường dây ma túy",
        ],
        [
            "Xã tổ chức tuyên truyền phòng chống ma túy cho thanh niên",
            "Mai họp tổ dân phố bàn việc trồng cây",
        ],
    ),
    "secrecy": (
        ["Chị phải giữ bí mật, không được nói với người thân", "khong cho gia dinh biet nhe"],
        ["Bí mật của món canh này là nước dùng", "Cả nhà cùng biết rồi"],
    ),
    "vneid_upgrade": (
        [
            "Hỗ trợ nâng cấp định danh mức 2 tại nhà qua Zalo",
            "CCCD cua ban bi loi, can dong bo du lieu dan cu ngay",
            "Ban can cap nhat thong tin cu tru qua duong link sau",
            "Kích hoạt định danh điện tử hộ bà con, gửi thông tin qua Zalo",
        ],
        [
            "Bà con đăng ký định danh mức 2 tại Công an xã, mang theo căn cước gắn chip",
            "Hồ sơ định danh của bạn đã được phê duyệt, mở ứng dụng VNeID để kích hoạt",
            "Làm sao để nâng cấp định danh mức 2 ạ?",
        ],
    ),
    "install_app": (
        [
            "Tải app của cơ quan thuế tại link sau để khai thuế",
            "cai ung dung UltraViewer de em ho tro tu xa",
            "Chị tải file apk này về cài để nhận tiền",
        ],
        ["Bà con tải VNeID từ CH Play hoặc App Store", "Con đã cài lại điện thoại cho mẹ rồi"],
    ),
    "prize_claimed": (
        [
            "Chúc mừng bạn đã trúng thưởng xe máy SH",
            "chuc mung quy khach la khach hang may man nhan iPhone 15",
            "Vui lòng nộp phí nhận thưởng 500.000đ",
            "Chúc mừng anh đã trúng 1 chiếc tivi 55 inch",
            "chuc mung ban da trung xe may Vision trong dot quay so",
        ],
        [
            "Chúc mừng sinh nhật bà, chúc bà mạnh khỏe",
            "Đội bóng xã đã thắng giải",
            # Being admitted to a school is not a prize.
            "Chúc mừng em đã trúng tuyển vào lớp 10 trường THPT của huyện, nhập học ngày 5/9",
            "chuc mung chau da trung tuyen nghia vu quan su, tap trung tai xa sang thu Hai",
        ],
    ),
    "task_job": (
        [
            "Tuyển cộng tác viên thả tim video TikTok, mỗi nhiệm vụ 10k",
            "tuyen nhan vien xu ly don hang tai nha",
            "Làm nhiệm vụ nhận hoa hồng 20% mỗi ngày",
        ],
        ["Con đang xử lý bài tập về nhà", "Chị thả tim ảnh em rồi nhé"],
    ),
    "easy_money": (
        [
            "Việc nhẹ lương cao, thu nhập 500k mỗi ngày",
            "viec nhe luong cao thu nhap 2tr moi ngay",
            "Kiếm tiền online tại nhà, lương trả theo ngày",
        ],
        ["Tháng này lương về muộn", "Nhà mình thu nhập chủ yếu từ lúa"],
    ),
    "easy_job": (
        [
            "Tuyển nhân viên bán thời gian làm việc tại nhà",
            "Cong viec don gian, khong can kinh nghiem",
        ],
        ["Hôm nay mẹ làm việc ở nhà bà ngoại", "Con xin nghỉ học một buổi"],
    ),
    "loan_easy": (
        [
            "Vay nhanh không thẩm định, chỉ cần căn cước",
            "giai ngan trong 30 phut, khong can the chap",
            "Phí duyệt hồ sơ là 500 nghìn",
            "phi len ho so vay la 300k a",
            "Phí làm hồ sơ vay bên em thu 1 triệu",
        ],
        [
            "Hội phụ nữ xã hướng dẫn vay vốn ngân hàng chính sách",
            "Nhà em mới trả xong khoản vay mua máy cày",
            # The commune's own fees for a procedure are not a loan scam.
            "Phí làm hồ sơ cấp đổi giấy phép lái xe nộp tại bộ phận một cửa của xã",
            "Lệ phí làm hồ sơ đăng ký kết hôn: miễn phí",
        ],
    ),
    "invest_promise": (
        [
            "Đầu tư tiền ảo USDT lợi nhuận 30% mỗi ngày",
            "cam ket loi nhuan cao, vao san forex voi chuyen gia",
            "Nhân đôi số tiền trong tài khoản sau 1 tuần",
        ],
        ["Xã đầu tư làm đường bê tông thôn 3", "Mẹ gửi tiết kiệm ở ngân hàng"],
    ),
    "gambling": (
        [
            "Nạp đầu 50k tặng 100k, nổ hũ bắn cá",
            "G4me b4i d0i thuong uy tin, n.ap d.au x3",
            "Tài xỉu, xóc đĩa, rút siêu tốc",
            "Dang ky nhan 88k, nap 50k nhan 108k",
        ],
        ["Chiều nay anh đi bán cá ở chợ", "Cả nhà đi xem đá bóng"],
    ),
    "dating_lure": (
        ["Em 20 tuổi gái xinh phục vụ tận nơi", "Hen ho tinh mot dem, ket ban zalo em nhe"],
        ["Cháu gái bà xinh quá", "Chị phục vụ quán nước đầu làng"],
    ),
    "fake_documents": (
        [
            "Nhận làm bằng lái xe, căn cước các loại",
            "Lam tat ca cac loai giay to, bang cap 3 den dai hoc",
        ],
        ["Bà con đến UBND xã làm giấy khai sinh cho con", "Con đang học lái xe ở trung tâm"],
    ),
    "money_request": (
        [
            "Chị chuyển khoản vào tài khoản này để giữ chỗ",
            "dong phi 200k de nhan hang",
            "Ch.uyen kh.oan v.ao tk em nhe",
        ],
        ["Đừng chuyển tiền cho người lạ", "Con đã nhận được tiền bố gửi"],
    ),
    "fine_penalty": (
        [
            "Bạn có biên lai chưa nộp phạt vi phạm giao thông",
            "ho so vi pham giao thong cua ban can xu ly",
        ],
        ["Đường làng đã được sửa xong", "Xe máy nhà mình mới đi bảo dưỡng"],
    ),
    "subsidy": (
        [
            "Ông bà đủ điều kiện nhận tiền hỗ trợ từ quỹ BHTN",
            "Theo NQ 116 ban duoc nhan tien ho tro",
            "Bac thuoc d!en duoc nh4n t1en tr0 cap, lam h0 so ngay",
        ],
        ["Xã rà soát hộ nghèo tuần tới", "Bà nộp hồ sơ trợ cấp hưu trí xã hội ở UBND xã"],
    ),
    "delivery": (
        [
            "Đơn hàng giao thất bại, cập nhật địa chỉ tại link",
            "Bạn chuyển nhầm tiền, quét mã QR để hoàn tiền",
        ],
        ["Hàng về rồi chị ơi, chiều em mang qua", "Shipper gọi mà mẹ không nghe máy"],
    ),
    "relative_emergency": (
        ["Mẹ ơi con đang cấp cứu, cần tiền gấp", "co oi chau bi tai nan, chuyen giup chau 5 trieu"],
        ["Ông đi khám sức khỏe định kỳ ở trạm y tế", "Tuần sau con về thăm bố mẹ"],
    ),
    "recovery_scam": (
        ["Hỗ trợ lấy lại tiền bị lừa đảo, phí 10%", "thu hoi tien da mat khi dau tu"],
        ["Mẹ tìm lại được chiếc ví đánh rơi", "Đã lấy lại sổ đỏ ở ngân hàng"],
    ),
    "move_app": (
        ["Kết bạn Zalo 0912345678 để nhận việc", "Add tele em de duoc huong dan", "lh zl em nhé"],
        ["Bà con quan tâm Zalo OA của xã để nhận tin", "Con gọi video cho mẹ qua Zalo rồi"],
    ),
    # Only next to a link into a chat group (see test_a_chat_group_lure_needs_a_group_link).
    "chat_group_lure": (
        [
            "Hồ sơ của bạn còn thiếu, tham gia nhóm https://zalo.me/g/abcxyz123 để được hỗ trợ",
            "tham gia link t.me/hotro_hoantien de duoc hoan tien trong ngay",
            "Vào nhóm Telegram https://t.me/+AbCdEf12 để được hướng dẫn nhận việc",
            "Can khieu nai, vui long vao group https://zalo.me/g/qwe456 de duoc giai quyet",
        ],
        [
            "Bà con tham gia nhóm Zalo của thôn để được hỗ trợ khi cần",  # no group link
            "Tham gia link https://dichvucong.gov.vn để được hướng dẫn nộp hồ sơ",
            "Đừng tham gia nhóm https://zalo.me/g/abc123 để được hỗ trợ hoàn tiền, là lừa đảo",
            "Mời cả lớp vào nhóm https://zalo.me/g/lop12a1 để nhắn tin với cô",
        ],
    ),
    "urgency": (
        [
            "Thanh toán trước 17h hôm nay",
            "Cảnh báo lần cuối, trong vòng 24h",
            "het han chot la mat quyen, qua han se khong duoc giai quyet",
        ],
        ["Họp lúc 8 giờ sáng mai", "Chiều nay trời mưa"],
    ),
    "account_threat": (
        [
            "Tài khoản của bạn sẽ bị khóa",
            "Thue bao cua quy khach se bi khoa sim 2 chieu",
            "Chúng tôi sẽ khóa tài khoản nếu bạn không xác minh",
        ],
        ["Nhớ khóa cửa trước khi đi ngủ", "Cửa hàng tạm nghỉ Tết"],
    ),
    "cancel_via_link": (
        [
            "Tài khoản đã mở dịch vụ tài chính toàn cầu. "
            "Nếu không phải bạn vui lòng truy cập link để hủy",
            "phat hien dang nhap khac vung, neu khong phai ban hay nhan vao day",
        ],
        [
            "Nếu không phải bạn thực hiện, đừng nhấn vào bất kỳ link nào, gọi tổng đài ngân hàng",
            "Để hủy gói cước, soạn HUY gửi 191",
        ],
    ),
    "debt_pressure": (
        [
            "Anh trốn tránh khoản nợ quá hạn đã lâu",
            "tre hen thanh toan 17 ngay, thanh toan dut diem",
        ],
        ["Nhà mình đã trả hết tiền mua phân bón", "Hạn nộp học phí cuối tháng"],
    ),
    "debt_shaming": (
        [
            "Chúng tôi sẽ thông báo cho người thân và xuống nhà tại địa chỉ",
            "Nho nhan lai anh Nam ra thanh toan",
        ],
        ["Mai cả nhà xuống nhà bác chơi", "Con thông báo kết quả thi cho ông bà rồi"],
    ),
    "service_cutoff": (
        [
            "Nhà bà nợ tiền điện, sẽ cắt điện trong 2 giờ",
            "Thuê bao sẽ bị khóa sim nếu không chuẩn hóa",
        ],
        ["Lịch tạm ngừng cấp điện thôn 2 từ 7h đến 11h Chủ nhật", "Mẹ đã trả tiền điện tháng này"],
    ),
    "personal_account": (
        [
            "Chuyển tiền vào STK cá nhân 0123456789 để được giữ điện",
            "nop tien vao tai khoan ca nhan cua can bo",
        ],
        ["Bà con nhận lương hưu qua tài khoản ngân hàng", "Mở tài khoản ngân hàng cho con đi học"],
    ),
    "free_money": (
        [
            "Đăng ký nhận ngay 88k vào ví",
            "tang 58k khi dang ky tai app",
            "Free 100k cho thành viên mới",
        ],
        ["Chợ phiên bán rau 10k một bó", "Con được thưởng 100k vì học giỏi"],
    ),
    "premium_sms": (
        ["Soạn tin XU gửi 4 lần đến 6769 để nhận quà", "soan tin DK gui 9029 de nhan thuong"],
        ["Soạn HUY gửi 191 để hủy gói", "Mẹ nhắn tin cho con rồi"],
    ),
    "self_claimed": (
        ["Có người gọi tự xưng là cán bộ thuế", "ho goi video, mac sac phuc cong an"],
        ["Ông tự làm hồ sơ ở xã", "Bà xưng hô thân mật với hàng xóm"],
    ),
    "platform_deposit": (
        [
            "Chị chuyển khoản xong thì chụp lại màn hình gửi em, em làm lệnh nạp cho chị",
            "Muon rut loi nhuan anh phai nap them 5 trieu de duoc rut tien ve",
            "Anh nạp tiền vào tài khoản sàn theo số tài khoản công ty bên dưới",
            "Phí rút tiền là 10% hoa hồng, chị chuyển trước giúp em",
            "chup lai m4n hinh gui em de l4m l3nh n4p nhe",
        ],
        [
            "Con chuyển khoản xong chụp màn hình gửi mẹ xem nhé",
            "Shop đã nhận tiền, chị chụp màn hình đơn hàng gửi shop giúp em nhé",
            "Quý khách nạp tiền vào tài khoản chính thành công 50.000đ.",
            "Quy khach da rut tien thanh cong 2.000.000d tai ATM",
        ],
    ),
    "lawsuit_threat": (
        [
            "Cán bộ pháp lý sẽ về tận nhà để khởi kiện ông bà",
            "Chung toi se kien ra toa neu ban tiep tuc im lang",
            "Bộ phận thu hồi nợ sẽ đưa hồ sơ của anh ra tòa",
        ],
        [
            "Đoàn công tác của tỉnh về địa phương làm việc với xã về nông thôn mới",
            "Tòa án huyện mời ông đến nhận bản án vào thứ Hai",
        ],
    ),
    "upfront_fee": (
        [
            "Bạn thanh toán trước để bên em duyệt hồ sơ vay trong hôm nay nhé",
            "Anh chuyen khoan phi bao hiem khoan vay de em giai ngan ngay",
            "Chi dong tien thi minh lam thu tuc cho xong luon",
            "Anh cứ chuyển khoản trước để em xử lý hồ sơ, mai có kết quả",
        ],
        [
            "Chị chuyển khoản trước để em lên đơn nhé, shop giao trong 2 ngày",
            "Con chuyển tiền để mẹ làm hồ sơ cho em vào lớp 1 nhé",
            "Hồ sơ chứng thực nộp lệ phí tại bộ phận một cửa, có biên lai",
            "Phí làm hồ sơ cấp đổi giấy phép lái xe nộp tại bộ phận một cửa của xã",
        ],
    ),
    "bill_deadline": (
        [
            "Đề nghị quý khách thanh toán trong vòng 2 ngày kể từ khi nhận được tin nhắn",
            "quy khach vui long thanh toan trong 3 ngay ke tu khi nhan duoc thong bao",
            "Yêu cầu thanh toán trong thời hạn hai ngày kể từ hôm nay",
            "vui long thanh toan trong 24h ke tu luc nhan tin",
            "Thanh toán gấp trong 6 giờ kể từ khi nhận tin nhắn này",
        ],
        [
            "Tiền điện tháng 11 của quý khách là 350.000đ, hạn thanh toán 20/12.",
            "Vui lòng thanh toán trước ngày 15/12 để tránh gián đoạn",
            # A month to pay is an ordinary term, not pressure.
            "Bên mua thanh toán trong vòng 30 ngày kể từ ngày nhận hóa đơn",
            "Hoc phi thanh toan trong 15 ngay ke tu ngay khai giang",
        ],
    ),
    "expert_contact": (
        [
            "Bạn liên hệ chuyên gia của bên mình để được hướng dẫn",
            "Em kết nối anh với trợ lý riêng qua Telegram",
            "Anh cứ trao đổi với luật sư cá nhân qua zalo nhé",
        ],
        [
            "Bác sĩ chuyên khoa khám tại trạm y tế xã sáng thứ Ba",
            "Chuyên gia nông nghiệp về hướng dẫn bà con trồng lúa",
        ],
    ),
}


@pytest.mark.parametrize(
    ("code", "text"), [(code, text) for code, (pos, _neg) in CASES.items() for text in pos]
)
def test_signal_is_raised(analyzer: ScamAnalyzer, code: str, text: str) -> None:
    assert code in codes(analyzer, text)


@pytest.mark.parametrize(
    ("code", "text"), [(code, text) for code, (_pos, neg) in CASES.items() for text in neg]
)
def test_signal_is_not_raised(analyzer: ScamAnalyzer, code: str, text: str) -> None:
    assert code not in codes(analyzer, text)


def test_every_text_signal_has_cases(analyzer: ScamAnalyzer) -> None:
    with_phrases = {c for c, s in analyzer.content.lexicon.signals.items() if s.phrases}
    # Weak context signals, exercised through the examples and the dataset instead.
    weak = {"prize_generic", "invest_generic", "loan", "click_request"}
    assert with_phrases - weak <= set(CASES)


@pytest.mark.parametrize(
    "text",
    [
        "Chu0ng tr!nh t4ng t1en cho b4 c0n, nh4n ng4y h0m n4y",
        "Dǿn Giäng Sinh nhän quå häp dän, nåp dau 88k",
        "t h u o n g lon, n.a.p d.a.u nh@n qua",
        "Nh'a'nL,jen:Qu.a;HangN,gayy Hoj Vien",
    ],
)
def test_disguised_spelling_is_a_signal(analyzer: ScamAnalyzer, text: str) -> None:
    assert "obfuscated_text" in codes(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "12A7 T2 S1: Toan+Van; C2: Ly+Hoa",
        "Gói D7: 7.000đ/ngày có 1,2GB, gia hạn tự động. Chi tiết LH 198 (0đ).",
        "Anh/chị vui lòng mang CCCD đến UBND xã. Trân trọng!",
        "Diem TB: Toan 9.4, Van 8.1, HL:G, HK:T",
    ],
)
def test_codes_and_abbreviations_are_not_disguise(analyzer: ScamAnalyzer, text: str) -> None:
    assert "obfuscated_text" not in codes(analyzer, text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tôi là công an, anh phải chuyển tiền vào tài khoản tạm giữ", "impersonate_police"),
        ("Cán bộ thuế hướng dẫn: tải app tại link thue-online.top", "impersonate_tax"),
        (
            "BHXH: ông bà đủ điều kiện nhận tiền hỗ trợ, bấm vào bhxh-nhantien.xyz",
            "impersonate_bhxh",
        ),
        ("Điện lực thông báo: sẽ cắt điện trong 2 giờ, chuyển khoản ngay", "impersonate_evn"),
        (
            "Ngân hàng thông báo tài khoản bị khóa, đăng nhập tại nganhang-xacthuc.top",
            "impersonate_bank",
        ),
    ],
)
def test_impersonation_needs_a_claimed_sender_and_a_request(
    analyzer: ScamAnalyzer, text: str, code: str
) -> None:
    assert code in codes(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "Công an xã thông báo: tuần sau làm căn cước lưu động tại nhà văn hóa thôn",
        "Ngân hàng chính sách xã họp tổ tiết kiệm vay vốn lúc 8h",
        "Điện lực thông báo tạm ngừng cấp điện thôn 3 từ 7h đến 11h để sửa đường dây",
    ],
)
def test_genuine_notices_from_authorities_are_low_risk(analyzer: ScamAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    assert verdict.risk == "low", [s.code for s in verdict.signals]
