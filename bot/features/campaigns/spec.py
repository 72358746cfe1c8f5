"""What a campaign asks for and whether it can be sent: the target kinds, the request (`Spec`),
the shared context, the notice as a village reads it, and the checks on content and targets.

Targets of an occurrence, per village aimed at:
- `group`: each OA-managed Zalo group (GMF) gets the post through the group message API;
- `relay`: for each group the OA does not manage, every active team member serving the
  village gets the ready-to-forward post 1:1 with a "Đã chuyển vào nhóm" button;
- `followers`: residents with `news_opt_in` who still follow the OA, 1:1, only while Zalo's
  free messaging window is open (`campaign_window_hours` after their last interaction);
  the others are recorded as skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.config import DEFAULT_COMMUNE, Settings
from bot.features.campaigns import schedule as sched
from bot.features.campaigns.content import CampaignTemplate
from bot.texts import Texts
from bot.zalo.messages import MAX_TEXT
from db import org
from db.models import Campaign, Village

# The one list of target kinds, in the order a campaign stores them.
TARGET_KINDS = ("group", "relay", "followers")


class CampaignError(Exception):
    """A request that cannot be done; `status` is the HTTP status an API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Spec:
    """What a campaign should send, to whom and when (validated by `lifecycle.create`)."""

    title: str | None = None
    template_id: str | None = None
    text: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    target_kinds: list[str] = field(default_factory=lambda: ["group", "relay"])
    village_codes: list[str] | None = None  # None: every village in the actor's scope
    schedule: sched.Schedule = field(default_factory=lambda: sched.Schedule("now"))
    urgent: bool = False
    # Also post in the commune-level groups (commune-wide actors only).
    commune_groups: bool = False


@dataclass(frozen=True)
class Context:
    settings: Settings
    templates: dict[str, CampaignTemplate]
    texts: Texts


def ordered_kinds(kinds: list[str]) -> list[str]:
    """The target kinds without repeats, in `TARGET_KINDS` order."""
    return sorted(set(kinds), key=TARGET_KINDS.index)


def render_for(
    campaign: Campaign | Spec,
    templates: dict[str, CampaignTemplate],
    *,
    commune: str,
    village: str,
    day: str,
) -> str:
    """The notice as one village reads it."""
    if campaign.template_id:
        template = templates.get(campaign.template_id)
        if template is None:
            raise CampaignError(400, f"unknown template '{campaign.template_id}'")
        values = {"date": day, **campaign.variables, "commune": commune, "village": village}
        try:
            return template.render(**values)
        except Exception as exc:  # noqa: BLE001 (a template error is the caller's bad input)
            raise CampaignError(400, f"template '{template.id}' cannot be filled: {exc}") from None
    return (campaign.text or "").strip()


def commune_name(session: Session) -> str:
    return org.commune_name(session) or DEFAULT_COMMUNE


def check_spec(session: Session, spec: Spec, ctx: Context, villages: list[Village]) -> str:
    """Validate content and targets; the title to store."""
    kinds = [k for k in spec.target_kinds if k]
    if not kinds or any(k not in TARGET_KINDS for k in kinds):
        raise CampaignError(400, f"targets.kinds must be some of {', '.join(TARGET_KINDS)}")
    if bool(spec.template_id) == bool(spec.text and spec.text.strip()):
        raise CampaignError(400, "give either 'template' or 'text'")
    unknown_vars = set(spec.variables) - {"date", "place", "time"}
    if unknown_vars:
        raise CampaignError(400, f"unknown variables {sorted(unknown_vars)}")
    commune = commune_name(session)
    for village in villages:
        text = render_for(spec, ctx.templates, commune=commune, village=village.name, day="")
        if not text:
            raise CampaignError(400, "the notice is empty")
        if len(text) > MAX_TEXT:
            raise CampaignError(400, f"the notice is {len(text)} characters; Zalo takes {MAX_TEXT}")
    if spec.title:
        return spec.title.strip()[:200]
    if spec.template_id:
        return ctx.templates[spec.template_id].title
    return (spec.text or "").strip().splitlines()[0][:80]


def schedule_of(campaign: Campaign) -> sched.Schedule:
    return sched.Schedule(
        kind=campaign.schedule_kind,
        run_at=campaign.run_at,
        cron=campaign.cron,
        daily_time=campaign.daily_time,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
    )
