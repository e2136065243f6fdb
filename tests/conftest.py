"""Shared fixtures: personas, service availability and test-only settings."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI") == "true"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
HAS_REDIS = bool(settings.REDIS_URL)


def pytest_collection_modifyitems(config, items):
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL or start it)")
    skip_redis = pytest.mark.skip(reason="needs Redis on 127.0.0.1:6379")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_postgres)
        if "redis" in item.keywords and not HAS_REDIS:
            item.add_marker(skip_redis)


def pytest_sessionstart(session):
    if IN_CI and not (ON_POSTGRES and HAS_REDIS):
        raise pytest.UsageError("CI=true requires PostgreSQL and Redis; see bin/test.")


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """End connections that threads or servers of the tests left open, before teardown.

    PostgreSQL refuses to drop a database that still has sessions, and pytest-django
    would then leave the test database behind with only a warning.
    """
    yield
    from django.db import connection

    # Sessions whose tests never touched the database have no test database to clean.
    if not ON_POSTGRES or not connection.settings_dict["NAME"].startswith("test_"):
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from campaigns.ingestion import forget_queued_fold

    cache.clear()
    forget_queued_fold()
    yield


# Personas: staff, a partner member, a member of another partner, and anonymous.

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def staff_user(db):
    from tests.factories import StaffUserFactory

    return StaffUserFactory(username="staff", email="staff@example.com")


@pytest.fixture
def partner(db):
    from tests.factories import PartnerFactory

    return PartnerFactory(legal_name="Bancolombia S.A.", tax_id="8909039388", status="active")


@pytest.fixture
def other_partner(db):
    from tests.factories import PartnerFactory

    return PartnerFactory(legal_name="Ecopetrol S.A.", tax_id="8999990681", status="active")


@pytest.fixture
def member(partner):
    from tests.factories import PartnerMemberFactory, UserFactory

    user = UserFactory(username="ana", email="ana@bancolombia.example")
    return PartnerMemberFactory(partner=partner, user=user, role="owner")


@pytest.fixture
def other_member(other_partner):
    from tests.factories import PartnerMemberFactory, UserFactory

    user = UserFactory(username="otto", email="otto@ecopetrol.example")
    return PartnerMemberFactory(partner=other_partner, user=user, role="owner")
