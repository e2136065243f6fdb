"""Requests are limited per API key; the request over the limit gets 429."""

from __future__ import annotations

import pytest

from tests.api.conftest import key_client

PROFILE_URL = "/api/v1/partner/"
LIMIT = 3


@pytest.fixture
def low_rate(settings):
    # Replacing the whole dict sends setting_changed, which reloads DRF's api_settings;
    # ApiKeyRateThrottle reads the rate from there on every request.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": f"{LIMIT}/minute"},
    }


@pytest.mark.django_db
@pytest.mark.redis
def test_request_over_limit_is_throttled(low_rate, api):
    statuses = [api.get(PROFILE_URL).status_code for _attempt in range(LIMIT)]

    response = api.get(PROFILE_URL)

    assert statuses == [200] * LIMIT
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
@pytest.mark.redis
def test_limit_is_counted_per_key(low_rate, api, read_key):
    for _attempt in range(LIMIT + 1):
        api.get(PROFILE_URL)

    response = key_client(read_key[1]).get(PROFILE_URL)

    assert response.status_code == 200


@pytest.mark.django_db
def test_default_rate_allows_more_than_test_limit(api):
    statuses = {api.get(PROFILE_URL).status_code for _attempt in range(LIMIT + 1)}

    assert statuses == {200}
