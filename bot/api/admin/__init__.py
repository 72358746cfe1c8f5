"""The admin API and dashboard: token auth with roles and village scopes."""
