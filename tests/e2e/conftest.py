"""End-to-end tests use the `live` fixture from tests/conftest.py."""
