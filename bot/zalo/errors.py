"""Zalo API error codes and what to do about each (zalo-platform.md §2.5).

Zalo answers HTTP 200 with ``{"error": <code>, "message": ...}``; a non-zero code is a
failure. Classification decides the outbox's next move: retry later, refresh the token
and retry once, or stop and record why.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"  # transient: back off and try again
    REFRESH = "refresh"  # token rejected: refresh once, retry once
    WINDOW = "window"  # the resident cannot be reached now (window closed, blocked...)
    PERMANENT = "permanent"  # the request itself is wrong, or the OA lacks the right
    # The send is billed (48 h to 7 days after the resident's last interaction) and the OA's
    # Zalo Cloud Account cannot pay: not the resident's fault. Held and tried again later;
    # officials are alerted (updates-2026.md §1.2, §1.5).
    BILLING = "billing"


RATE_LIMITED = -32
TOKEN_INVALID = -216
TOKEN_EXPIRED = -220
REFRESH_TOKEN_INVALID = -14020

_RETRY = {-32, -100, -200}
_REFRESH = {-216, -220}
_WINDOW = {-213, -217, -227, -230, -232, -234, -244, -305, -311}
# The recipient cannot be reached now; not retried (a campaign records these as "skipped").
WINDOW_CODES = frozenset(_WINDOW)
# The OA's Zalo Cloud Account (ZCA) is not linked or not funded for a billed send.
BILLING_CODES = frozenset({-320, -321})

# Plain Vietnamese for delivery reports read by team leaders and officials.
REASONS: dict[int, str] = {
    -32: "Zalo báo gửi quá nhanh, hệ thống sẽ gửi lại",
    -100: "Tệp đính kèm đã hết hạn trên Zalo",
    -200: "Zalo gửi tin không thành công",
    -201: "Tham số không hợp lệ (người nhận hoặc nội dung sai)",
    -204: "Tài khoản OA đang bị khóa",
    -205: "Tài khoản OA không tồn tại",
    -209: "Ứng dụng chưa được kích hoạt API này",
    -210: "Vượt giới hạn cho phép",
    -211: "Hết hạn mức gửi tin",
    -213: "Người nhận chưa quan tâm OA",
    -216: "Mã truy cập (access token) không hợp lệ",
    -217: "Người nhận đã chặn tin từ OA",
    -218: "Người nhận đã hết hạn mức nhận tin",
    -220: "Mã truy cập (access token) đã hết hạn",
    -221: "OA cần được xác thực",
    -223: "OA chưa cấp quyền API này",
    -224: "Gói dịch vụ OA không hỗ trợ (cần nâng cấp gói)",
    -227: "Người nhận bị khóa hoặc không hoạt động quá 45 ngày",
    -230: "Người nhận không tương tác với OA trong 7 ngày qua",
    -232: "Người nhận chưa tương tác với OA",
    -233: "Loại tin nhắn không được hỗ trợ",
    -234: "Không được gửi loại tin này vào ban đêm",
    -237: "Nhóm Zalo đã bị vô hiệu hóa (hết hạn gói nhóm)",
    -240: "API tin nhắn cũ đã ngừng hoạt động",
    -242: "Chữ ký appsecret_proof không đúng",
    -244: "Người nhận đã tắt loại tin này từ OA",
    -248: "Nội dung vi phạm tiêu chuẩn của Zalo",
    # [unsure] the exact split between the two codes: both mean the OA cannot pay for a
    # message sent 48 h to 7 days after the resident's last interaction.
    -320: "Tin gửi sau 48 giờ phải trả phí nhưng OA chưa liên kết tài khoản Zalo Cloud (ZCA)",
    -321: "Tin gửi sau 48 giờ phải trả phí nhưng tài khoản Zalo Cloud (ZCA) của OA hết tiền",
    -403: "OA không ở trong nhóm này",
}


def classify(code: int) -> Action:
    if code in _REFRESH:
        return Action.REFRESH
    if code in _RETRY:
        return Action.RETRY
    if code in _WINDOW:
        return Action.WINDOW
    if code in BILLING_CODES:
        return Action.BILLING
    return Action.PERMANENT


def reason(code: int | None, message: str | None = None) -> str:
    """A plain-language reason for a failure code (falls back to Zalo's own message)."""
    if code is None:
        return message or "Lỗi không rõ"
    return REASONS.get(code, message or f"Lỗi Zalo {code}")


class ZaloError(Exception):
    """Zalo answered with a non-zero error code (or an HTTP error)."""

    def __init__(self, code: int, message: str = "", *, http_status: int = 200) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status

    @property
    def action(self) -> Action:
        if self.http_status == 401:
            return Action.REFRESH
        if self.http_status >= 500 or self.http_status == 429:
            return Action.RETRY
        return classify(self.code)


class ZaloUnreachable(Exception):
    """The request never reached Zalo (connection refused, DNS, connect timeout): safe to retry."""


class ZaloOutcomeUnknown(Exception):
    """The request may have reached Zalo but no answer came back (read timeout, dropped
    connection): the message may have been sent. Reconcile before sending again."""
