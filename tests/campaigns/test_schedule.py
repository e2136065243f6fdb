import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from campaigns.tasks import run_campaign_schedule_task, start_and_end_campaigns
from hexabuilders.celery import app
from hexabuilders.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _campaign(**fields):
    values = {"name": "Navidad", "kind": "cpa", "landing_url": "https://shop.example.com/"}
    values.update(fields)
    return services.create_campaign(actor=None, **values)


def _scheduled(starts_in: dt.timedelta, ends_in: dt.timedelta | None = None) -> Campaign:
    now = timezone.now()
    campaign = _campaign(
        starts_at=now + dt.timedelta(minutes=1),
        ends_at=None if ends_in is None else now + dt.timedelta(days=30),
    )
    campaign = services.schedule_campaign(campaign=campaign, actor=None)
    # Move the dates to where the test needs them, as if time had passed.
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now + starts_in, ends_at=None if ends_in is None else now + ends_in
    )
    return campaign


def _status(campaign) -> str:
    return Campaign.objects.get(pk=campaign.pk).status


def test_schedule_launches_campaign_whose_start_came():
    campaign = _scheduled(starts_in=-dt.timedelta(seconds=1))

    start_and_end_campaigns()

    assert _status(campaign) == Campaign.Status.ACTIVE


def test_schedule_leaves_future_campaign_scheduled():
    campaign = _scheduled(starts_in=dt.timedelta(minutes=5))

    start_and_end_campaigns()

    assert _status(campaign) == Campaign.Status.SCHEDULED


def test_schedule_launch_publishes_one_event_over_reruns():
    campaign = _scheduled(starts_in=-dt.timedelta(seconds=1))

    start_and_end_campaigns()
    start_and_end_campaigns()

    launched = OutboxEvent.objects.filter(type="campaign.launched", aggregate_id=str(campaign.pk))
    assert launched.count() == 1


@pytest.mark.parametrize("status", ["active", "paused"])
def test_schedule_completes_campaign_whose_end_came(status):
    campaign = services.launch_campaign(campaign=_campaign(), actor=None)
    if status == "paused":
        services.pause_campaign(campaign=campaign, actor=None)
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now())

    start_and_end_campaigns()

    assert _status(campaign) == Campaign.Status.COMPLETED


def test_schedule_leaves_running_campaign_before_end():
    campaign = services.launch_campaign(
        campaign=_campaign(ends_at=timezone.now() + dt.timedelta(hours=1)), actor=None
    )

    start_and_end_campaigns()

    assert _status(campaign) == Campaign.Status.ACTIVE


def test_schedule_completion_publishes_one_event_over_reruns():
    campaign = services.launch_campaign(campaign=_campaign(), actor=None)
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now())

    start_and_end_campaigns()
    start_and_end_campaigns()

    completed = OutboxEvent.objects.filter(type="campaign.completed", aggregate_id=str(campaign.pk))
    assert completed.count() == 1


def test_schedule_cancels_campaign_whose_window_passed_unlaunched():
    campaign = _scheduled(starts_in=-dt.timedelta(days=2), ends_in=-dt.timedelta(days=1))

    result = start_and_end_campaigns()

    assert _status(campaign) == Campaign.Status.CANCELLED
    assert result.cancelled == [campaign.pk]


def test_schedule_leaves_draft_with_past_start():
    campaign = _campaign(starts_at=timezone.now() - dt.timedelta(hours=1))

    start_and_end_campaigns()

    assert _status(campaign) == Campaign.Status.DRAFT


def test_schedule_task_launches_due_campaign():
    campaign = _scheduled(starts_in=-dt.timedelta(seconds=1))

    run_campaign_schedule_task.delay()

    assert _status(campaign) == Campaign.Status.ACTIVE


def test_schedule_command_launches_due_campaign():
    campaign = _scheduled(starts_in=-dt.timedelta(seconds=1))

    call_command("run_campaign_schedule", stdout=io.StringIO())

    assert _status(campaign) == Campaign.Status.ACTIVE


CAMPAIGN_ENTRIES = [
    name for name, entry in app.conf.beat_schedule.items() if entry["task"].startswith("campaigns.")
]


def test_beat_schedule_has_campaign_jobs():
    tasks = {app.conf.beat_schedule[name]["task"] for name in CAMPAIGN_ENTRIES}
    assert tasks == {
        "campaigns.tasks.fold_metrics",
        "campaigns.tasks.run_campaign_schedule",
        "campaigns.tasks.evaluate_alerts",
    }


@pytest.mark.parametrize("name", CAMPAIGN_ENTRIES)
def test_beat_entry_expires_before_next_run(name):
    entry = app.conf.beat_schedule[name]
    schedule = entry["schedule"]
    interval = schedule if isinstance(schedule, float) else 3600
    assert 0 < entry["options"]["expires"] < interval


@pytest.mark.parametrize("name", CAMPAIGN_ENTRIES)
def test_beat_entry_names_registered_task(name):
    assert app.conf.beat_schedule[name]["task"] in app.tasks
