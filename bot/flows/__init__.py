"""Guided flows: YAML content (`content/flows/*.yaml`) plus small named Python hooks."""
