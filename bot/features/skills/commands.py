"""`bot skills households [--json]`: households with at least one member who mastered the
5 basic digital skills, per village (the national target the commune reports on)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings, get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    skills = sub.add_parser("skills", help="the 5 basic digital skills").add_subparsers(
        dest="skills_command", required=True
    )
    p = skills.add_parser(
        "households", help="per village: households with a member who mastered the 5 skills"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per village")
    p.set_defaults(func=cmd_households)


def household_report(settings: Settings) -> list[dict[str, Any]]:
    """Rows per village: residents who mastered every skill, their households, the target."""
    from bot.features.skills.households import mastery_by_village
    from bot.features.skills.lessons import load_lessons
    from db import org as org_db
    from db.session import make_engine, read_scope

    skills = load_lessons(settings.content_dir).ids
    engine = make_engine(settings.database_url)
    try:
        with read_scope(engine) as session:
            villages = {v.id: v for v in org_db.villages(session)}
            counts = {m.village_id: m for m in mastery_by_village(session, skills=skills)}
    finally:
        engine.dispose()
    rows: list[dict[str, Any]] = []
    for village_id in [*villages, None]:
        village = villages.get(village_id) if village_id is not None else None
        mastery = counts.get(village_id)
        if village is None and mastery is None:
            continue
        total = village.households if village is not None else None
        households = mastery.households if mastery else 0
        rows.append(
            {
                "village": village.code if village else None,
                "name": village.name if village else "(chưa khai thôn)",
                "residents_mastered": mastery.residents if mastery else 0,
                "households_mastered": households,
                "mastered_without_household": mastery.without_household if mastery else 0,
                "households_total": total,
                "share": round(households / total, 4) if total else None,
            }
        )
    return rows


def cmd_households(args: argparse.Namespace) -> int:
    from bot.jsonl import dump

    rows = household_report(get_settings())
    if args.json:
        for row in rows:
            dump(row)
        return 0
    print(f"{'Thôn / tổ dân phố':<28}{'người đạt':>10}{'hộ đạt':>8}{'tổng hộ':>9}{'tỉ lệ':>8}")
    for row in rows:
        total = row["households_total"]
        share = f"{row['share'] * 100:.1f}%" if row["share"] is not None else "–"
        print(
            f"{row['name'][:27]:<28}{row['residents_mastered']:>10}"
            f"{row['households_mastered']:>8}{total if total is not None else '–':>9}{share:>8}"
        )
    return 0
