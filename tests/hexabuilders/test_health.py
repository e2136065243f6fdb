"""``/health/``: every probe on the full stack, and a named failure when a service is down."""

import time

import pytest

from tests.hexabuilders.conftest import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db]

CHECK_NAMES = {"database", "cache", "broker", "storage"}


@pytest.fixture
def broker_in_use(settings):
    """Probe the real broker: the test run itself publishes eagerly and would skip it."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def test_health_reports_ok_on_full_stack(client, broker_in_use):
    response = client.get("/health/")
    body = response.json()

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECK_NAMES
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_names_unreachable_broker(client, broker_in_use):
    broker_in_use.CELERY_BROKER_URL = closed_port_url()

    started = time.monotonic()
    response = client.get("/health/")
    elapsed = time.monotonic() - started
    checks = response.json()["checks"]

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert checks["broker"]["ok"] is False
    assert checks["broker"]["error"] == "OperationalError"
    assert checks["database"]["ok"] is True
    assert checks["cache"]["ok"] is True
    assert elapsed < broker_in_use.HEALTH_CHECK_TIMEOUT + 2


def test_health_names_unreachable_cache(client, broker_in_use):
    broker_in_use.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": closed_port_url(),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    started = time.monotonic()
    response = client.get("/health/")
    elapsed = time.monotonic() - started
    checks = response.json()["checks"]

    assert response.status_code == 503
    assert checks["cache"]["ok"] is False
    assert checks["cache"]["error"] == "ConnectionError"
    assert checks["broker"]["ok"] is True
    assert elapsed < broker_in_use.HEALTH_CHECK_TIMEOUT + 2


def test_health_hides_error_messages(client, broker_in_use):
    port = free_port()
    broker_in_use.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"

    response = client.get("/health/")

    assert str(port) not in response.content.decode()


def test_health_rejects_post(client):
    response = client.post("/health/")

    assert response.status_code == 405
