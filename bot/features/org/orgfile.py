"""The commune's organisation file: villages, their Zalo groups, the team and its leaders.

Loaded from YAML (`bot org import`, or the demo data in demo mode) and validated with clear
errors: unknown village, duplicate group id, a leader without villages, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rapidfuzz import fuzz

from bot.text.normalize import nfc, normalize
from db.models import Village

VillageKind = Literal["thon", "ban", "to_dan_pho", "khu_pho", "ap", "xom"]
Role = Literal["commune_leader", "village_leader", "member"]
# How close (0-100) a typed village name must be to a name or alias when nothing matches exactly.
VILLAGE_FUZZY_MIN = 85

KIND_LABELS: dict[str, str] = {
    "thon": "Thôn",
    "ban": "Bản",
    "to_dan_pho": "Tổ dân phố",
    "khu_pho": "Khu phố",
    "ap": "Ấp",
    "xom": "Xóm",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupSpec(_Strict):
    group_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    oa_managed: bool = False


class VillageSpec(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=200)
    kind: VillageKind = "thon"
    households: int | None = Field(default=None, ge=0, le=10_000_000)
    aliases: tuple[str, ...] = ()
    groups: tuple[GroupSpec, ...] = ()


class MemberSpec(_Strict):
    zalo_user_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    role: Role = "member"
    villages: tuple[str, ...] = ()


class CommuneSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    province: str | None = None
    office_address: str | None = None
    office_hours: str | None = None
    hotline: str | None = None


class OrgFile(_Strict):
    commune: CommuneSpec
    villages: tuple[VillageSpec, ...] = Field(min_length=1)
    groups: tuple[GroupSpec, ...] = ()  # commune-level groups
    team: tuple[MemberSpec, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> OrgFile:
        problems: list[str] = []
        codes = [v.code for v in self.villages]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            problems.append(f"village code '{code}' appears more than once")
        group_ids = [g.group_id for g in self.groups] + [
            g.group_id for v in self.villages for g in v.groups
        ]
        for gid in sorted({g for g in group_ids if group_ids.count(g) > 1}):
            problems.append(f"group id '{gid}' appears more than once")
        member_ids = [m.zalo_user_id for m in self.team]
        for mid in sorted({m for m in member_ids if member_ids.count(m) > 1}):
            problems.append(f"team member '{mid}' appears more than once")
        known = set(codes)
        for member in self.team:
            for code in member.villages:
                if code not in known:
                    problems.append(
                        f"team member '{member.name}' refers to unknown village '{code}'"
                    )
            if member.role != "commune_leader" and not member.villages:
                problems.append(
                    f"team member '{member.name}' ({member.role}) must list their villages"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class OrgError(ValueError):
    """The organisation file cannot be used; the message lists every problem."""


def parse_org(text: str, *, source: str = "org file") -> OrgFile:
    try:
        raw = yaml.safe_load(nfc(text))
    except yaml.YAMLError as exc:
        msg = f"{source}: not valid YAML: {exc}"
        raise OrgError(msg) from None
    try:
        return OrgFile.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            lines.append(f"  - {where}: {err['msg']}")
        msg = f"{source} has problems:\n" + "\n".join(lines)
        raise OrgError(msg) from None


def load_org(path: Path) -> OrgFile:
    return parse_org(path.read_text(encoding="utf-8"), source=str(path))


def org_rows(org: OrgFile) -> dict[str, Any]:
    """The file flattened into the shapes `db.org.apply_org` takes."""
    villages = [
        {
            "code": v.code,
            "name": v.name,
            "kind": v.kind,
            "households": v.households,
            "aliases": ",".join(v.aliases),
        }
        for v in org.villages
    ]
    groups: list[dict[str, object]] = [
        {"group_id": g.group_id, "name": g.name, "oa_managed": g.oa_managed, "village": None}
        for g in org.groups
    ]
    for v in org.villages:
        groups.extend(
            {"group_id": g.group_id, "name": g.name, "oa_managed": g.oa_managed, "village": v.code}
            for g in v.groups
        )
    members = [
        {"zalo_user_id": m.zalo_user_id, "name": m.name, "role": m.role, "villages": m.villages}
        for m in org.team
    ]
    return {
        "commune": org.commune.model_dump(),
        "villages": villages,
        "groups": groups,
        "members": members,
    }


def village_keys(name: str, aliases: str) -> set[str]:
    """The normalised spellings of a village: its name and each comma-separated alias."""
    keys = {normalize(name)} | {normalize(a) for a in aliases.split(",")}
    return {k for k in keys if k}


def match_village(villages: Sequence[Village], text: str) -> Village | None:
    """The village a resident means by `text` ("thôn Đông", "thon 1", "tôi ở bản Nà Lầy",
    "trung hao"): an exact name or alias, else the longest name or alias inside the text,
    else a close spelling. None when nothing fits or two villages fit equally well."""
    typed = normalize(text)
    if not typed:
        return None
    keyed = [(v, village_keys(v.name, v.aliases)) for v in villages]
    exact = {v.id: v for v, keys in keyed if typed in keys}
    if exact:
        return next(iter(exact.values())) if len(exact) == 1 else None
    padded = f" {typed} "
    inside = [(len(k), v) for v, keys in keyed for k in keys if f" {k} " in padded]
    if inside:
        longest = max(n for n, _ in inside)
        found = {v.id: v for n, v in inside if n == longest}
        return next(iter(found.values())) if len(found) == 1 else None
    scored = [(fuzz.ratio(typed, k), v) for v, keys in keyed for k in keys]
    best = max((s for s, _ in scored), default=0.0)
    if best < VILLAGE_FUZZY_MIN:
        return None
    close = {v.id: v for s, v in scored if s == best}
    return next(iter(close.values())) if len(close) == 1 else None
