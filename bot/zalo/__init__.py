"""Everything that talks to Zalo: webhook events, MAC, the OpenAPI/OAuth client, tokens."""
