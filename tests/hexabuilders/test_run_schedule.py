"""The in-process beat of the embedded mode: ``manage.py run_schedule``."""

import datetime as dt
import io

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.models import Campaign
from hexabuilders.celery import app
from hexabuilders.management.commands.run_schedule import EmbeddedBeat
from tests.campaigns.test_schedule import _scheduled

pytestmark = pytest.mark.django_db

RELAY = {"task": "hexabuilders.relay_outbox", "schedule": 30.0}


def test_run_schedule_once_starts_a_due_campaign():
    campaign = _scheduled(starts_in=-dt.timedelta(seconds=1))

    call_command("run_schedule", "--once", stdout=io.StringIO())

    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.ACTIVE


def test_run_schedule_once_runs_every_entry():
    output = io.StringIO()

    call_command("run_schedule", "--once", stdout=output)

    assert output.getvalue().strip() == f"Ran {len(app.conf.beat_schedule)} scheduled jobs."


def test_run_schedule_refuses_to_run_with_a_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    with pytest.raises(CommandError, match="celery beat"):
        call_command("run_schedule", "--once")


def test_embedded_beat_first_tick_runs_every_entry():
    beat = EmbeddedBeat({"relay": RELAY})

    ran, _wait = beat.tick()

    assert ran == ["relay"]


def test_embedded_beat_second_tick_waits_for_the_interval():
    beat = EmbeddedBeat({"relay": RELAY})
    beat.tick()

    ran, _wait = beat.tick()

    assert ran == []


def test_embedded_beat_runs_an_entry_again_once_due():
    beat = EmbeddedBeat({"relay": RELAY})
    beat.tick()
    beat.last_run["relay"] = timezone.now() - dt.timedelta(seconds=31)

    ran, _wait = beat.tick()

    assert ran == ["relay"]


def test_embedded_beat_sleeps_at_most_five_seconds():
    beat = EmbeddedBeat(
        {"alerts": {"task": "campaigns.tasks.evaluate_alerts", "schedule": crontab(minute=5)}}
    )

    _ran, wait = beat.tick()

    assert wait <= 5.0


def test_embedded_beat_survives_a_failing_job():
    beat = EmbeddedBeat(
        {
            "broken": {
                "task": "campaigns.tasks.fold_metrics",
                "schedule": 5.0,
                "args": ("unexpected",),
            }
        }
    )

    ran, _wait = beat.tick()

    assert ran == ["broken"]


def test_run_schedule_if_embedded_skips_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    output = io.StringIO()

    call_command("run_schedule", "--if-embedded", stdout=output)

    assert output.getvalue() == ""
