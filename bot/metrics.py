"""Prometheus metrics, one registry per app (no global state shared between tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events_received = Counter(
            "bot_webhook_events_total",
            "Webhook events accepted, by event name",
            ["event"],
            registry=self.registry,
        )
        self.webhook_rejected = Counter(
            "bot_webhook_rejected_total",
            "Webhook requests refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "bot_webhook_duplicates_total", "Redelivered events ignored", registry=self.registry
        )
        self.webhook_latency = Histogram(
            "bot_webhook_seconds",
            "Time to acknowledge a webhook delivery",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0),
            registry=self.registry,
        )
        self.events_processed = Counter(
            "bot_events_processed_total",
            "Events processed, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.messages_sent = Counter(
            "bot_messages_sent_total",
            "Messages Zalo accepted, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.send_failures = Counter(
            "bot_send_failures_total",
            "Send attempts that failed, by Zalo code",
            ["code"],
            registry=self.registry,
        )
        self.billing_refusals = Counter(
            "bot_send_billing_total",
            "Sends Zalo refused because the OA's Zalo Cloud Account cannot pay (-320/-321)",
            registry=self.registry,
        )
        self.token_refreshes = Counter(
            "bot_token_refreshes_total", "OA token rotations", registry=self.registry
        )
        self.outbox_pending = Gauge(
            "bot_outbox_pending", "Outbox rows waiting to be sent", registry=self.registry
        )
