"""Campaign broadcasts (issue 6): templates, schedules, fan-out, the leaders' chat wizard."""
