"""Response models of the admin API: what `/openapi.json` documents and schemathesis checks.

Models allow extra keys where a feature may add figures (`StatsOut`'s sections), so a new
feature's section appears without editing this file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RangeOut(_Out):
    from_: str = Field(alias="from", description="first day, YYYY-MM-DD")
    to: str = Field(description="last day, YYYY-MM-DD")
    timezone: str


class StatsOut(BaseModel):
    """The report: its range, the villages counted, then one object per statistics section
    (followers, activity, flows, procedures, scam, unanswered, skills, broadcasts, handoffs…,
    as the enabled features declare them)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    range: RangeOut
    villages: list[str] | Literal["all"]


class GroupOut(_Out):
    group_id: str
    name: str
    oa_managed: bool


class MemberOut(_Out):
    name: str
    role: str


class VillageOut(_Out):
    code: str
    name: str
    kind: str
    households: int | None
    groups: list[GroupOut]
    team: list[MemberOut]


class LeaderOut(_Out):
    name: str


class OrgOut(_Out):
    commune: str | None
    villages: list[VillageOut]
    commune_groups: list[GroupOut] | None = Field(
        default=None, description="commune-wide tokens only"
    )
    commune_leaders: list[LeaderOut] | None = Field(
        default=None, description="commune-wide tokens only"
    )


class OrgReplaced(_Out):
    villages_added: int
    villages_updated: int
    villages_kept: list[str] = Field(
        description="codes of villages in the database but not in the body (kept, not deleted)"
    )
    groups: int
    members: int


class TargetsOut(_Out):
    kinds: list[str]
    villages: list[str]
    commune_groups: bool


class ScheduleOut(_Out):
    kind: str
    at: str | None
    cron: str | None
    time: str | None
    from_: str | None = Field(alias="from")
    to: str | None


class CampaignSummary(_Out):
    id: int
    title: str
    status: str
    template: str | None
    text: str | None
    variables: dict[str, Any]
    targets: TargetsOut
    schedule: ScheduleOut
    urgent: bool
    next_run_at: str | None
    next_run_local: str
    skip: list[str]
    created_by: str
    approved_by: str | None
    created_at: str


class PreviewOut(_Out):
    village: str
    name: str
    text: str


class CampaignListItem(CampaignSummary):
    counts: dict[str, int]


class CampaignOut(CampaignListItem):
    preview: list[PreviewOut]


class SkippedOut(CampaignOut):
    skipped: str = Field(description="the occurrence key that will not be sent")


class CampaignList(_Out):
    items: list[CampaignListItem]


class TemplateOut(_Out):
    id: str
    title: str
    sample: dict[str, str]
    suggested: dict[str, Any]


class TemplateList(_Out):
    items: list[TemplateOut]


class VillageCount(BaseModel):
    model_config = ConfigDict(extra="allow")
    campaign_id: int
    title: str
    village_id: int | None
    village: str | None = Field(default=None, description="the village's code")
    village_name: str = Field(description="the village's name, or the commune's own groups")
    relay_confirmed: int


class CampaignStats(_Out):
    items: list[VillageCount]


class OccurrenceOut(_Out):
    key: str
    scheduled_at: str
    scheduled_local: str
    status: str
    targets: int | None
    note: str | None


class DeliveryOut(_Out):
    id: int | None
    occurrence_id: int | None
    kind: str
    recipient: str
    label: str | None
    village: str | None
    group: str | None
    status: str
    error_code: int | None
    reason: str | None
    not_before: str | None
    sent_at: str | None
    seen_at: str | None
    relay_confirmed_at: str | None
    relay_confirmed_by: str | None
    reminded_at: str | None


class DeliveryReport(_Out):
    campaign: CampaignSummary
    counts: dict[str, int]
    # What team members recorded on the campaign's day ("Ghi nhận hỗ trợ"): visits,
    # households, people, members.
    recorded_help: dict[str, int] = Field(default_factory=dict)
    occurrences: list[OccurrenceOut]
    deliveries: list[DeliveryOut]


class FieldworkOut(BaseModel):
    """The teams' recorded help over a period (`GET /admin/fieldwork`): figures in total, per
    member, team and village, the households' 5-skills coverage from both sources, and the
    records within the caller's scope."""

    model_config = ConfigDict(extra="forbid")
    range: dict[str, str]
    total: dict[str, int]
    by_member: list[dict[str, Any]]
    by_team: list[dict[str, Any]]
    by_village: list[dict[str, Any]]
    coverage: dict[str, Any]
    records: list[dict[str, Any]]
