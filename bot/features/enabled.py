"""The features switched on: the only list to edit to add or remove one.

Order matters where it shows: the chat's interceptors see a message in this order, the
statistics report and the dashboard show sections in this order.
"""

from __future__ import annotations

from bot.feature import Feature
from bot.features.campaigns.feature import FEATURE as CAMPAIGNS
from bot.features.fieldwork.feature import FEATURE as FIELDWORK
from bot.features.handoff.feature import FEATURE as HANDOFF
from bot.features.news.feature import FEATURE as NEWS
from bot.features.online_filing.feature import FEATURE as ONLINE_FILING
from bot.features.privacy.feature import FEATURE as PRIVACY
from bot.features.procedures.feature import FEATURE as PROCEDURES
from bot.features.profiles.feature import FEATURE as PROFILES
from bot.features.scam.feature import FEATURE as SCAM
from bot.features.skills.feature import FEATURE as SKILLS
from bot.features.stats.feature import FEATURE as STATS
from bot.features.village.feature import FEATURE as VILLAGE
from bot.features.vneid.feature import FEATURE as VNEID

FEATURES: tuple[Feature, ...] = (
    STATS,
    PRIVACY,
    VNEID,
    PROCEDURES,
    SCAM,
    SKILLS,
    NEWS,
    CAMPAIGNS,
    # After campaigns (its own "#cw:" words), before handoff: a member's records.
    FIELDWORK,
    HANDOFF,
    # After handoff: a resident talking to a team member is relayed, whatever the words.
    ONLINE_FILING,
    PROFILES,
    # Last: its offer gives way to the news invitation; its words to a relayed handoff.
    VILLAGE,
)
