"""API clients authenticated by the API keys of the shared partner personas."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import issue_api_key


def key_client(raw_key: str, *, language: str = "en") -> APIClient:
    """Return a client that sends ``raw_key`` and requests responses in ``language``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}", HTTP_ACCEPT_LANGUAGE=language)
    return client


@pytest.fixture
def write_key(partner, member):
    """``(api_key, raw_key)`` with the write scope, created by the partner's owner."""
    return issue_api_key(partner, scope="write", actor=member.user)


@pytest.fixture
def read_key(partner):
    return issue_api_key(partner, scope="read")


@pytest.fixture
def api(write_key) -> APIClient:
    return key_client(write_key[1])


@pytest.fixture
def read_api(read_key) -> APIClient:
    return key_client(read_key[1])


@pytest.fixture
def other_api(other_partner) -> APIClient:
    return key_client(issue_api_key(other_partner, scope="write")[1])
