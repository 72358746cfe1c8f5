"""Which village a resident lives in: asked once with one tap after a helpful answer,
changed with "đổi thôn" (see `question`). Statistics by village read the answer."""

from __future__ import annotations

from bot.feature import Feature
from bot.features.village.question import VillageQuestion, offer

FEATURE = Feature(name="village", interceptors=(VillageQuestion(),), offers=(offer,))
