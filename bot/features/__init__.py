"""Feature packages: each declares itself in one `Feature` manifest."""
