"""Every table. Feature modules define their tables in their own file and are imported here,
so that `SQLModel.metadata` (used by Alembic) always holds the whole schema."""

from db.models.admin import ApiToken, AuditLog
from db.models.campaigns import Campaign, CampaignDelivery, CampaignOccurrence, SchedulerJob
from db.models.core import (
    AppLock,
    Conversation,
    EventLog,
    InboundEvent,
    OAToken,
    OAuthPending,
    Outbox,
    Resident,
)
from db.models.fieldwork import FieldVisit
from db.models.handoff import HandoffTicket
from db.models.online_filing import OnlineFiling
from db.models.org import Commune, TeamMember, TeamMemberVillage, Village, ZaloGroup
from db.models.procedures import ImportedProcedure
from db.models.scam import ScamReport
from db.models.skills import SkillProgress
from db.models.stats import StatActiveCount, StatActiveDay, StatDay, StatStepDay

__all__ = [
    "ApiToken",
    "AppLock",
    "AuditLog",
    "Campaign",
    "CampaignDelivery",
    "CampaignOccurrence",
    "Commune",
    "Conversation",
    "EventLog",
    "FieldVisit",
    "HandoffTicket",
    "ImportedProcedure",
    "InboundEvent",
    "OAToken",
    "OAuthPending",
    "OnlineFiling",
    "Outbox",
    "Resident",
    "ScamReport",
    "SchedulerJob",
    "SkillProgress",
    "StatActiveCount",
    "StatActiveDay",
    "StatDay",
    "StatStepDay",
    "TeamMember",
    "TeamMemberVillage",
    "Village",
    "ZaloGroup",
]
