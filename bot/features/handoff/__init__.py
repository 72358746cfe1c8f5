"""Handing a conversation to a real team member."""
