"""Organisation: the commune's villages (thôn, bản, tổ dân phố), their Zalo groups and the team."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel


class Village(SQLModel, table=True):
    """A village-level unit of the commune."""

    __tablename__ = "village"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(32), unique=True)
    name: str = Field(sa_type=String(200))
    # thon | ban | to_dan_pho | khu_pho | ap
    kind: str = Field(default="thon", sa_type=String(16))
    households: int | None = None
    # Extra spellings residents use ("thon 3", "xom ba"), folded, comma-separated.
    aliases: str = Field(default="", sa_type=String(500))


class ZaloGroup(SQLModel, table=True):
    """A Zalo group of the commune or of a village.

    `oa_managed` groups (GMF) can receive posts through the API; the others are reached by relay.
    """

    __tablename__ = "zalo_group"

    id: int | None = Field(default=None, primary_key=True)
    group_id: str = Field(sa_type=String(64), unique=True)
    name: str = Field(sa_type=String(200))
    village_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("village.id", ondelete="CASCADE"))
    )
    oa_managed: bool = False


class TeamMember(SQLModel, table=True):
    """A member of the Tổ công nghệ số cộng đồng, known by their OA-scoped Zalo user id."""

    __tablename__ = "team_member"

    id: int | None = Field(default=None, primary_key=True)
    zalo_user_id: str = Field(sa_type=String(64), unique=True)
    name: str = Field(sa_type=String(200))
    # commune_leader | village_leader | member
    role: str = Field(default="member", sa_type=String(24))
    active: bool = True


class TeamMemberVillage(SQLModel, table=True):
    """Which villages a team member serves."""

    __tablename__ = "team_member_village"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("team_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    village_id: int = Field(
        sa_column=Column(Integer, ForeignKey("village.id", ondelete="CASCADE"), primary_key=True)
    )


class Commune(SQLModel, table=True):
    """The commune this OA serves (one row)."""

    __tablename__ = "commune"

    id: int = Field(default=1, primary_key=True)
    name: str = Field(sa_type=String(200))
    province: str | None = Field(default=None, sa_type=String(200))
    office_address: str | None = Field(default=None, sa_type=String(300))
    office_hours: str | None = Field(default=None, sa_type=String(300))
    hotline: str | None = Field(default=None, sa_type=String(40))
