import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from campaigns import ingestion
from campaigns.models import Click, Conversion, MetricBucket
from campaigns.tasks import fold_metrics_task
from tests.campaigns.metric_rows import add_click, add_conversion
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db

HOUR = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _portable_fold(limit=None):
    with transaction.atomic():
        return ingestion._fold_portable(limit or 10000)


@pytest.fixture(params=["sql", "portable"])
def fold(request, settings):
    """Both fold paths: the PostgreSQL statement (when on PostgreSQL) and the portable one."""
    if request.param == "sql":
        return ingestion.fold_batch
    return _portable_fold


@pytest.fixture
def link():
    return active_campaign_with_link()[2]


def _bucket(link, hour=HOUR):
    return MetricBucket.objects.get(
        campaign_id=link.enrollment.campaign_id, partner_id=link.enrollment.partner_id, hour=hour
    )


def test_fold_counts_billable_clicks(fold, link):
    add_click(link, at=HOUR + dt.timedelta(minutes=1))
    add_click(link, at=HOUR + dt.timedelta(minutes=2), unique=False)
    add_click(link, at=HOUR + dt.timedelta(minutes=3), billable=False)

    fold()

    assert _bucket(link).clicks == 2


def test_fold_counts_unique_billable_clicks(fold, link):
    add_click(link, at=HOUR + dt.timedelta(minutes=1))
    add_click(link, at=HOUR + dt.timedelta(minutes=2), unique=False)
    add_click(link, at=HOUR + dt.timedelta(minutes=3), billable=False, unique=True)

    fold()

    assert _bucket(link).unique_clicks == 1


def test_fold_marks_every_claimed_click(fold, link):
    add_click(link, at=HOUR)
    add_click(link, at=HOUR, billable=False)

    result = fold()

    assert result.clicks == 2
    assert not Click.objects.filter(folded=False).exists()


def test_fold_adds_to_existing_bucket(fold, link):
    add_click(link, at=HOUR + dt.timedelta(minutes=5))
    fold()
    add_click(link, at=HOUR + dt.timedelta(minutes=40))
    add_click(link, at=HOUR + dt.timedelta(minutes=41))

    fold()

    assert _bucket(link).clicks == 3


def test_fold_groups_clicks_by_hour(fold, link):
    add_click(link, at=HOUR + dt.timedelta(minutes=59))
    add_click(link, at=HOUR + dt.timedelta(minutes=60))

    fold()

    assert _bucket(link, HOUR).clicks == 1
    assert _bucket(link, HOUR + dt.timedelta(hours=1)).clicks == 1


def test_fold_ignores_clicks_without_campaign(fold, link):
    click = add_click(link, at=HOUR, outcome=Click.Outcome.UNKNOWN_LINK, billable=False)
    Click.objects.filter(pk=click.pk).update(campaign=None, partner=None, link=None)

    fold()

    assert not MetricBucket.objects.exists()
    assert not Click.objects.filter(folded=False).exists()


def test_fold_twice_counts_once(fold, link):
    add_click(link, at=HOUR)
    add_conversion(link, at=HOUR)
    fold()

    second = fold()

    assert (second.clicks, second.conversions) == (0, 0)
    assert _bucket(link).clicks == 1
    assert _bucket(link).conversions == 1


def test_fold_counts_approved_conversion_money(fold, link):
    add_conversion(link, at=HOUR, amount="250.50", payout="25.05")

    fold()

    bucket = _bucket(link)
    assert bucket.conversions == 1
    assert bucket.revenue == Decimal("250.50")
    assert bucket.payout == Decimal("25.05")


@pytest.mark.parametrize("status", ["pending", "held", "rejected", "reversed"])
def test_fold_skips_conversion_not_approved(fold, link, status):
    conversion = add_conversion(link, at=HOUR, status=status)

    fold()

    assert not MetricBucket.objects.exists()
    conversion.refresh_from_db()
    assert conversion.folded_status == status


def test_fold_subtracts_reversed_conversion(fold, link):
    add_conversion(link, at=HOUR, amount="300.00", payout="30.00")
    reversed_one = add_conversion(link, at=HOUR, amount="100.00", payout="10.00")
    fold()
    Conversion.objects.filter(pk=reversed_one.pk).update(
        status=Conversion.Status.REVERSED, reversed_at=timezone.now()
    )

    result = fold()

    bucket = _bucket(link)
    assert result.conversions == 1
    assert bucket.conversions == 1
    assert bucket.revenue == Decimal("300.00")
    assert bucket.payout == Decimal("30.00")


def test_fold_adds_conversion_approved_after_fold(fold, link):
    pending = add_conversion(link, at=HOUR, status=Conversion.Status.PENDING)
    fold()
    Conversion.objects.filter(pk=pending.pk).update(status=Conversion.Status.APPROVED)

    fold()

    assert _bucket(link).conversions == 1


def test_fold_pending_drains_in_batches(link):
    for minute in range(7):
        add_click(link, at=HOUR + dt.timedelta(minutes=minute))

    result = ingestion.fold_pending(limit=3)

    assert result.clicks == 7
    assert _bucket(link).clicks == 7


def test_fold_reports_changed_campaigns(link):
    add_click(link, at=HOUR)

    result = ingestion.fold_batch()

    assert result.campaign_ids == {link.enrollment.campaign_id}


def test_schedule_fold_queues_once_per_window(settings, link):
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 30
    add_click(link, at=HOUR)

    queued = [ingestion.schedule_fold() for _ in range(100)]

    assert queued.count(True) == 1
    assert _bucket(link).clicks == 1


def test_schedule_fold_without_window_folds_every_time(settings, link):
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 0

    queued = [ingestion.schedule_fold() for _ in range(3)]

    assert queued == [True, True, True]


def test_fold_command_folds_pending(link):
    add_click(link, at=HOUR)
    output = io.StringIO()

    call_command("fold_metrics", stdout=output)

    assert _bucket(link).clicks == 1
    assert output.getvalue().startswith("Folded clicks: 1, conversions: 0")


def test_fold_task_returns_rows_folded(link):
    add_click(link, at=HOUR)
    add_conversion(link, at=HOUR)

    assert fold_metrics_task.delay().get() == 2


def test_schedule_fold_skips_cache_while_pending(settings, link):
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 30
    ingestion.schedule_fold()
    cache.delete(ingestion.DEBOUNCE_CACHE_KEY)

    assert ingestion.schedule_fold() is False


def test_schedule_fold_waits_for_other_process(settings, link):
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 30
    cache.set(ingestion.DEBOUNCE_CACHE_KEY, time.time() + 30, timeout=30)
    ingestion.schedule_fold()
    cache.delete(ingestion.DEBOUNCE_CACHE_KEY)

    assert ingestion.schedule_fold() is False
