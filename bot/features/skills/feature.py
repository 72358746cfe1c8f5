"""The 5 basic digital skills: lessons, quizzes, households' progress."""

from __future__ import annotations

from pathlib import Path

from bot.feature import Feature, Section
from bot.features.skills import commands, hooks, lessons, stats

HERE = Path(__file__).resolve().parent

FEATURE = Feature(
    name="skills",
    flows=("digital_skills",),
    hooks=hooks.HOOKS,
    content_checks=(lessons.content_problems, hooks.content_problems),
    commands=(commands.register,),
    sections=(
        Section(
            "skills",
            stats.skills,
            template=HERE / "dashboard.html",
            charts=(("skills-coverage", stats.skills_coverage),),
        ),
    ),
)
