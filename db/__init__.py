"""Persistence: SQLModel tables, the engine factory, migrations and keyword-only query functions.

`db` imports nothing from `bot` or `scheduler`; they import it.
"""
