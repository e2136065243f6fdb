import datetime as dt
import threading

import pytest
from django.db import connection

from campaigns import ingestion
from campaigns.models import Click, Conversion, MetricBucket
from tests.campaigns.metric_rows import add_click, add_conversion
from tests.factories import active_campaign_with_link

HOUR = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
CLICKS = 600
CONVERSIONS = 90
WORKERS = 4


def _fold_in_threads() -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS, timeout=30)

    def work():
        try:
            start.wait()
            ingestion.fold_pending(limit=25, max_batches=100)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_folds_count_each_row_once():
    _campaign, _enrollment, link = active_campaign_with_link()
    for index in range(CLICKS):
        add_click(link, at=HOUR + dt.timedelta(minutes=index % 120))
    for index in range(CONVERSIONS):
        add_conversion(link, at=HOUR + dt.timedelta(minutes=index % 120))

    errors = _fold_in_threads()

    buckets = MetricBucket.objects.filter(campaign_id=link.enrollment.campaign_id)
    assert errors == []
    assert sum(bucket.clicks for bucket in buckets) == CLICKS
    assert sum(bucket.conversions for bucket in buckets) == CONVERSIONS
    assert not Click.objects.filter(folded=False).exists()
    assert not Conversion.objects.filter(folded=False).exists()
