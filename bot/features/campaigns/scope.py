"""Who may do what: the actor (an API token or a team member in the chat), the villages within
their scope, and the checks before a campaign is seen or changed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.features.campaigns.spec import CampaignError, Spec
from db import campaigns as rows
from db import org
from db.models import Campaign, Village


@dataclass(frozen=True)
class Actor:
    """Who acts: an API token or a team member in the chat."""

    name: str  # for the audit log: "token:3", "member:5"
    village_ids: frozenset[int] | None  # None: the whole commune
    member_id: int | None = None
    can_create: bool = True

    @property
    def commune_wide(self) -> bool:
        return self.village_ids is None


def actor_for_member(session: Session, zalo_user_id: str) -> tuple[Actor | None, str]:
    """The actor for a team member writing in Zalo, or (None, why not)."""
    member = org.member_by_zalo_id(session, zalo_user_id=zalo_user_id)
    if member is None or member.id is None:
        return None, "not_member"
    if member.role == "commune_leader":
        return Actor(f"member:{member.id}", None, member.id), ""
    if member.role == "village_leader":
        ids = frozenset(
            v.id for v in org.villages_of_member(session, member_id=member.id) if v.id is not None
        )
        return Actor(f"member:{member.id}", ids, member.id), ""
    return None, "not_leader"


def villages_for(session: Session, spec: Spec, actor: Actor) -> list[Village]:
    """The villages a campaign aims at, all within the actor's scope, in id order."""
    known = rows.villages_by_code(session)
    if spec.village_codes is None:
        chosen = [
            v for v in known.values() if actor.village_ids is None or v.id in actor.village_ids
        ]
    else:
        chosen = []
        for code in spec.village_codes:
            village = known.get(code)
            if village is None:
                raise CampaignError(400, f"unknown village '{code}'")
            chosen.append(village)
    if not chosen:
        raise CampaignError(400, "no village to send to")
    outside = [
        v.code for v in chosen if actor.village_ids is not None and v.id not in actor.village_ids
    ]
    if outside:
        raise CampaignError(403, f"outside your villages: {', '.join(sorted(outside))}")
    return sorted(chosen, key=lambda v: v.id or 0)


def check_commune_groups(spec: Spec, actor: Actor) -> None:
    if spec.commune_groups and not actor.commune_wide:
        raise CampaignError(403, "only commune-wide campaigns post in the commune's groups")
    if (
        spec.commune_groups
        and "group" not in spec.target_kinds
        and "relay" not in spec.target_kinds
    ):
        raise CampaignError(400, "commune groups need the target kind group or relay")


def may_see(campaign: Campaign, actor: Actor) -> bool:
    return actor.village_ids is None or set(campaign.village_ids) <= actor.village_ids


def load_for_change(
    session: Session, campaign_id: int, actor: Actor, *, lock: bool = True
) -> Campaign:
    campaign = rows.get(session, campaign_id=campaign_id, lock=lock)
    if campaign is None:
        raise CampaignError(404, f"no campaign {campaign_id}")
    if not may_see(campaign, actor):
        raise CampaignError(403, "this campaign is outside your villages")
    if not actor.can_create:
        raise CampaignError(403, "this role may not change campaigns")
    if (
        actor.member_id is not None
        and not actor.commune_wide
        and campaign.created_by_member_id != actor.member_id
    ):
        raise CampaignError(403, "only its author or a commune leader may change this campaign")
    return campaign
