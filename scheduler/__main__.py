"""`python -m scheduler` runs the scheduler process (same as `bot scheduler`)."""

import asyncio

from bot.config import get_settings
from bot.features.enabled import FEATURES
from scheduler.service import run

raise SystemExit(asyncio.run(run(get_settings(), FEATURES)))
