"""VNeID help: a content-only feature (its flow is `bot/content/flows/vneid.yaml`)."""
