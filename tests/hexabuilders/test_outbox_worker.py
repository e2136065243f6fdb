"""The outbox through a real Celery worker on Redis, including a broker outage.

Each test starts ``celery worker`` as a subprocess on the PostgreSQL test database
and sends tasks to it from this process with eager mode off. The broker is a private
``redis-server`` per test, because a shared Redis database would be shared with any
other run of this suite on the machine, whose worker could take the messages. The worker imports
``tests.hexabuilders.outbox_handlers``, whose handler writes one effect row per
delivery, and the test polls the database for that row.
"""

import time

import pytest
from django.db import transaction

from hexabuilders.events import publish
from hexabuilders.models import HandlerDelivery, OutboxEvent
from hexabuilders.tasks import relay_outbox_task
from tests.hexabuilders.conftest import publishing_to, wait_until
from tests.hexabuilders.outbox_handlers import PINGED, WORKER_HANDLER

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

DELIVERY_TIMEOUT = 30
# Connection refused comes back at once; the bound leaves room for a loaded machine.
MAX_PUBLISH_SECONDS = 5


def publish_pinged(note: str) -> OutboxEvent:
    with transaction.atomic():
        return publish(PINGED.name, aggregate_id=7, payload={"note": note})


def delivered(effects, event: OutboxEvent) -> bool:
    return effects.count_effects(event_id=event.pk, handler=WORKER_HANDLER) == 1


def test_worker_delivers_published_event(worker_registry, effects, start_worker, private_redis):
    worker = start_worker(redis_url=private_redis.url)

    with publishing_to(private_redis.url):
        event = publish_pinged("through the worker")

    assert wait_until(lambda: delivered(effects, event), timeout=DELIVERY_TIMEOUT), worker.output()
    delivery = HandlerDelivery.objects.get(event=event)
    assert delivery.status == HandlerDelivery.Status.SUCCEEDED
    assert delivery.handler == "tests.hexabuilders.outbox_handlers.record_worker_effect"
    assert OutboxEvent.objects.get(pk=event.pk).dispatched_at is not None


def test_publish_survives_broker_outage(worker_registry, effects, start_worker, private_redis):
    with publishing_to(private_redis.url):
        # Queued while the broker is up, then lost with it: Redis keeps no data here.
        queued = publish_pinged("queued before the outage")
        private_redis.stop()

        started = time.monotonic()
        during_outage = publish_pinged("published during the outage")
        elapsed = time.monotonic() - started

        assert elapsed < MAX_PUBLISH_SECONDS
        assert OutboxEvent.objects.filter(pk=during_outage.pk, dispatched_at=None).exists()
        assert OutboxEvent.objects.filter(pk=queued.pk, dispatched_at=None).exists()

        private_redis.start()
        worker = start_worker(redis_url=private_redis.url, HEXA_EVENTS_RELAY_GRACE_SECONDS="0")
        relay_outbox_task.delay()

        assert wait_until(lambda: delivered(effects, during_outage), timeout=DELIVERY_TIMEOUT), (
            worker.output()
        )
        assert wait_until(lambda: delivered(effects, queued), timeout=DELIVERY_TIMEOUT)
    assert OutboxEvent.objects.filter(dispatched_at=None).count() == 0
