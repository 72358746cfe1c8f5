"""Engagement statistics for officials: the JSON report, its CSV form, and the dashboard charts."""
