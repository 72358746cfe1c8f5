"""Residents' display names from Zalo's profile, outside the event path."""
