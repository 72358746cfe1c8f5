"""What hooks, jobs and the interceptor share: the resident's filing and its names."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.features.online_filing.content import Family, families
from bot.features.procedures.model import Procedure
from bot.features.procedures.service import ProcedureService
from bot.services import Services

DEFAULT_DAYS = 5
# Zalo's consultation window: free for 48 hours after the resident's last interaction.
FREE_WINDOW = timedelta(hours=48)
# Reminders may use the paid part of the window (up to 7 days), never beyond.
CS_WINDOW = timedelta(days=7)


def procedure(services: Services, code: str) -> Procedure | None:
    service = services.get(ProcedureService)
    return service.catalogue.get(code) if service is not None else None


def procedure_title(services: Services, code: str) -> str:
    found = procedure(services, code)
    return found.title if found is not None else code


def family(services: Services, flow: str) -> Family | None:
    return families(services.settings.content_dir).get(flow)


def online_days(services: Services, code: str) -> float | None:
    """The online channel's processing time in working days, when the card states it."""
    found = procedure(services, code)
    if found is None:
        return None
    online = [c for c in found.channels if c.kind == "truc_tuyen" and c.days is not None]
    return online[0].days if online else None


def remind_time(submitted: datetime, working_days: float | None) -> datetime:
    """A day before the time limit (working days counted as 7/5 calendar days), at least a
    day after submitting."""
    days = working_days if working_days is not None else DEFAULT_DAYS
    calendar = math.ceil(days * 7 / 5)
    return submitted + timedelta(days=max(calendar - 1, 1))
