"""Residents' display names from Zalo's profile, asked outside the event path."""

from __future__ import annotations

from bot.feature import Feature, Job
from bot.features.profiles.names import fetch_missing_names

FEATURE = Feature(
    name="profiles",
    jobs=(Job("profiles", fetch_missing_names, every_s=3.0, with_events=True),),
)
