"""Village news opt-in: "đăng ký nhận tin" / "hủy nhận tin" in chat (the `news` flow and
intent, menu entry 6), offered with the welcome and after a helpful flow; the campaigns'
`followers` target sends to the residents who subscribed."""

from __future__ import annotations

from bot.feature import Feature
from bot.features.news.hooks import HOOKS
from bot.features.news.offers import offer

FEATURE = Feature(name="news", flows=("news",), hooks=HOOKS, offers=(offer,))
