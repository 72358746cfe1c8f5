"""The flow fixtures (real content, dispatcher and database), shared with tests/flows."""

from tests.flows.conftest import demo_org, make_chat, services

__all__ = ["demo_org", "make_chat", "services"]
