"""The Zalo OA simulator: a faithful fake of OAuth, the OpenAPI and webhooks, for the demo and
the tests. Never mounted in production mode."""
