"""VNeID: activation, level 2, troubleshooting. All of it is content: the flow file."""

from __future__ import annotations

from bot.feature import Feature

FEATURE = Feature(name="vneid", flows=("vneid",))
