"""Handlers for each kind of Zalo event; `bot.dispatcher` picks one per event."""
