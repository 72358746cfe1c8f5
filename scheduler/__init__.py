"""The scheduler process: campaigns, the outbox sender, token refresh. One active at a time."""
