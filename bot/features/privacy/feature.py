"""Personal data (Law 91/2025/QH15): a notice at first contact, Zalo's `user_withdraw` and
"xóa dữ liệu của tôi" erase a resident's data, "bot lưu gì về tôi" says what is kept, and a
retention job empties old payloads and texts (see README "Personal data")."""

from __future__ import annotations

from bot.feature import Feature, Job
from bot.features.privacy.chat import PrivacyChat, on_follow_with_notice
from bot.features.privacy.commands import check
from bot.features.privacy.erase import on_withdraw
from bot.features.privacy.retention import EVERY_S, retention_job

FEATURE = Feature(
    name="privacy",
    content_checks=(check,),
    interceptors=(PrivacyChat(),),
    events=(("user_withdraw", on_withdraw), ("follow", on_follow_with_notice)),
    jobs=(Job("privacy-retention", retention_job, every_s=EVERY_S),),
)
