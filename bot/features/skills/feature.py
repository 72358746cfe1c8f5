"""The 5 basic digital skills: lessons, quizzes, households' progress."""

from __future__ import annotations

from pathlib import Path

from bot.feature import Feature, Section
from bot.features.skills import checks, commands, hooks, household, lessons, stats
from bot.flows.registry import Hooks

HERE = Path(__file__).resolve().parent

FEATURE = Feature(
    name="skills",
    flows=("digital_skills",),
    hooks=Hooks.merge(hooks.HOOKS, household.HOOKS),
    content_checks=(lessons.content_problems, checks.content_problems),
    commands=(commands.register,),
    sections=(
        Section(
            "skills",
            stats.skills,
            template=HERE / "dashboard.html",
            charts=(("skills-coverage", stats.skills_coverage),),
            title="5 kỹ năng số cơ bản",
            explain="Người dân học và làm đạt bài trên Zalo OA; mục tiêu là mỗi hộ gia đình có "
            "ít nhất 1 người thành thạo cả 5 kỹ năng số cơ bản.",
            trends=(("Thành thạo cả 5 kỹ năng (trong kỳ)", "all_five_in_range"),),
            tables=stats.tables,
        ),
    ),
)
