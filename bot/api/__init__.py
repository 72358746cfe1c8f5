"""HTTP routes: the Zalo webhook, health and metrics, OAuth callback, admin."""
