"""The hourly beat job that deletes idempotency records past their retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hexabuilders.celery import app
from hexabuilders.idempotency import RETENTION
from hexabuilders.models import IdempotencyRecord
from hexabuilders.tasks import purge_idempotency_records_task

pytestmark = pytest.mark.django_db

ENTRY = "purge-idempotency-records"


def _record(key: str, *, age: dt.timedelta) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        scope="partner:1",
        key=key,
        fingerprint="f" * 64,
        response_status=201,
        response_body={"id": 1},
        created_at=timezone.now() - age,
    )


def test_purge_task_deletes_expired_record():
    expired = _record("old", age=RETENTION + dt.timedelta(minutes=1))

    purge_idempotency_records_task.delay()

    assert not IdempotencyRecord.objects.filter(pk=expired.pk).exists()


def test_purge_task_keeps_live_record():
    live = _record("recent", age=RETENTION - dt.timedelta(minutes=1))

    purge_idempotency_records_task.delay()

    assert IdempotencyRecord.objects.filter(pk=live.pk).exists()


def test_purge_task_returns_deleted_count():
    _record("old", age=RETENTION + dt.timedelta(hours=1))
    _record("older", age=RETENTION + dt.timedelta(hours=2))
    _record("recent", age=dt.timedelta(minutes=5))

    result = purge_idempotency_records_task.apply()

    assert result.get() == 2


def test_beat_entry_names_registered_task():
    task_name = app.conf.beat_schedule[ENTRY]["task"]

    # shared_task returns a proxy, and the registry contains the task object behind it.
    assert app.tasks[task_name] is purge_idempotency_records_task._get_current_object()


def test_beat_entry_expires_before_next_run():
    expires = app.conf.beat_schedule[ENTRY]["options"]["expires"]

    assert expires < dt.timedelta(hours=1).total_seconds()
