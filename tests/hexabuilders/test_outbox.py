"""The outbox on PostgreSQL: commit coupling, retries, idempotence, dead letters, SKIP LOCKED.

Tasks run eagerly here (bin/test sets HEXA_TASKS_EAGER), so a publish dispatches
its event when the transaction commits, and retries are driven through
``relay_outbox(now=...)``.
"""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hexabuilders.events import publish, publish_many
from hexabuilders.events.outbox import (
    dispatch_event,
    relay_outbox,
    retry_dead_letters,
    run_delivery,
)
from hexabuilders.models import HandlerDelivery, OutboxEvent
from tests.hexabuilders.outbox_handlers import PINGED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = HandlerDelivery.Status


def publish_pinged(note: str = "hello") -> OutboxEvent:
    with transaction.atomic():
        return publish(PINGED.name, aggregate_id=7, payload={"note": note})


def after_any_retry_delay() -> dt.datetime:
    """Return a time at which every scheduled retry is due, jitter included."""
    return timezone.now() + dt.timedelta(seconds=settings.EVENTS_RETRY_MAX_DELAY + 1)


def handler_name(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def delivery_of(event: OutboxEvent, function) -> HandlerDelivery:
    return HandlerDelivery.objects.get(event=event, handler=handler_name(function))


def test_publish_in_rolled_back_transaction_is_never_dispatched(outbox_registry, effects):
    calls = []

    @outbox_registry.subscribe(PINGED.name)
    def on_pinged(event):
        calls.append(event.id)

    with pytest.raises(RuntimeError, match="roll back"), transaction.atomic():
        publish(PINGED.name, aggregate_id=7, payload={"note": "lost"})
        raise RuntimeError("roll back")
    relay_outbox(now=after_any_retry_delay())

    assert OutboxEvent.objects.count() == 0
    assert HandlerDelivery.objects.count() == 0
    assert calls == []


def test_publish_dispatches_after_commit(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def on_pinged(event):
        effects.record_effect(event.id, "on_pinged")

    event = publish_pinged()
    event.refresh_from_db()

    assert event.dispatched_at is not None
    assert effects.count_effects(event_id=event.pk, handler="on_pinged") == 1
    assert delivery_of(event, on_pinged).status == Status.SUCCEEDED


def test_flaky_handler_takes_effect_once_after_retries(outbox_registry, effects):
    attempts = []

    @outbox_registry.subscribe(PINGED.name)
    def flaky(event):
        attempts.append(event.id)
        effects.record_effect(event.id, "flaky")
        if len(attempts) < 3:
            raise RuntimeError(f"attempt {len(attempts)} fails")

    event = publish_pinged()
    first = delivery_of(event, flaky)

    assert first.status == Status.RETRYING
    assert first.attempts == 1
    assert first.next_attempt_at > timezone.now()
    assert "attempt 1 fails" in first.last_error

    relay_outbox(now=timezone.now())

    assert len(attempts) == 1

    relay_outbox(now=after_any_retry_delay())
    relay_outbox(now=after_any_retry_delay())
    delivery = delivery_of(event, flaky)

    assert len(attempts) == 3
    assert delivery.status == Status.SUCCEEDED
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    assert delivery.next_attempt_at is None
    assert delivery.completed_at is not None
    assert effects.count_effects(event_id=event.pk, handler="flaky") == 1


def test_repeated_delivery_runs_each_handler_once(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def first(event):
        effects.record_effect(event.id, "first")

    @outbox_registry.subscribe(PINGED.name)
    def second(event):
        effects.record_effect(event.id, "second")

    event = publish_pinged()
    dispatch_event(event.pk)
    dispatch_event(event.pk)
    for delivery in HandlerDelivery.objects.filter(event=event):
        run_delivery(delivery.pk)
        run_delivery(delivery.pk)

    assert HandlerDelivery.objects.filter(event=event).count() == 2
    assert effects.count_effects(event_id=event.pk, handler="first") == 1
    assert effects.count_effects(event_id=event.pk, handler="second") == 1
    assert delivery_of(event, first).attempts == 1
    assert delivery_of(event, second).attempts == 1


def test_dispatch_of_undispatched_event_twice_runs_handler_once(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def on_pinged(event):
        effects.record_effect(event.id, "on_pinged")

    event = OutboxEvent.objects.create(
        type=PINGED.name,
        version=PINGED.version,
        aggregate_type=PINGED.aggregate_type,
        aggregate_id="7",
        payload=PINGED.build_payload({"note": "left behind"}),
    )

    first_run = dispatch_event(event.pk)
    second_run = dispatch_event(event.pk)

    assert first_run == 1
    assert second_run == 0
    assert effects.count_effects(event_id=event.pk, handler="on_pinged") == 1


def test_failing_handler_does_not_block_sibling(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def broken(event):
        effects.record_effect(event.id, "broken")
        raise RuntimeError("broken handler")

    @outbox_registry.subscribe(PINGED.name)
    def healthy(event):
        effects.record_effect(event.id, "healthy")

    event = publish_pinged()

    assert delivery_of(event, broken).status == Status.RETRYING
    assert delivery_of(event, healthy).status == Status.SUCCEEDED
    assert effects.count_effects(event_id=event.pk, handler="broken") == 0
    assert effects.count_effects(event_id=event.pk, handler="healthy") == 1


def test_failing_handler_becomes_dead_letter_and_retries(outbox_registry, effects, settings):
    settings.EVENTS_MAX_ATTEMPTS = 3
    repaired = threading.Event()

    @outbox_registry.subscribe(PINGED.name)
    def broken(event):
        if not repaired.is_set():
            raise RuntimeError("downstream is down")
        effects.record_effect(event.id, "broken")

    event = publish_pinged()
    relay_outbox(now=after_any_retry_delay())
    relay_outbox(now=after_any_retry_delay())
    dead = delivery_of(event, broken)

    assert dead.status == Status.DEAD
    assert dead.attempts == 3
    assert dead.next_attempt_at is None
    assert "downstream is down" in dead.last_error

    relay_outbox(now=after_any_retry_delay())

    assert delivery_of(event, broken).attempts == 3

    repaired.set()
    requeued = retry_dead_letters([dead.pk])
    retried = delivery_of(event, broken)

    assert requeued == 1
    assert retried.status == Status.SUCCEEDED
    assert retried.attempts == 1
    assert effects.count_effects(event_id=event.pk, handler="broken") == 1


def test_retry_dead_letters_ignores_live_deliveries(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def on_pinged(event):
        effects.record_effect(event.id, "on_pinged")

    event = publish_pinged()
    delivery = delivery_of(event, on_pinged)

    requeued = retry_dead_letters([delivery.pk])

    assert requeued == 0
    assert delivery_of(event, on_pinged).attempts == 1
    assert effects.count_effects(event_id=event.pk) == 1


def test_concurrent_relays_run_each_handler_once(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def first(event):
        time.sleep(0.005)
        effects.record_effect(event.id, "first")

    @outbox_registry.subscribe(PINGED.name)
    def second(event):
        time.sleep(0.005)
        effects.record_effect(event.id, "second")

    # Rows written directly are what a lost dispatch task leaves: undispatched and
    # older than the relay's grace period.
    occurred_at = timezone.now() - dt.timedelta(seconds=settings.EVENTS_RELAY_GRACE_SECONDS + 60)
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            type=PINGED.name,
            version=PINGED.version,
            aggregate_type=PINGED.aggregate_type,
            aggregate_id=str(number),
            payload=PINGED.build_payload({"note": f"event {number}"}),
            occurred_at=occurred_at,
        )
        for number in range(40)
    )
    start = threading.Barrier(2, timeout=10)
    errors = []

    def relay() -> None:
        try:
            start.wait()
            relay_outbox()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT event_id, handler FROM {effects.EFFECTS_TABLE}"
            " GROUP BY event_id, handler HAVING count(*) > 1"
        )
        assert cursor.fetchall() == []
    assert effects.count_effects() == 80
    assert HandlerDelivery.objects.filter(status=Status.SUCCEEDED).count() == 80
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 0


def test_publish_without_subscribers_is_stored_dispatched(outbox_registry, effects):
    event = publish_pinged()
    event.refresh_from_db()

    assert event.dispatched_at == event.occurred_at


def test_publish_without_subscribers_leaves_nothing_for_the_relay(outbox_registry, effects):
    publish_pinged()

    result = relay_outbox(now=after_any_retry_delay())

    assert result.events_dispatched == 0


def test_publish_many_dispatches_every_event_once(outbox_registry, effects):
    @outbox_registry.subscribe(PINGED.name)
    def on_pinged(event):
        effects.record_effect(event.id, "on_pinged")

    with transaction.atomic():
        events = publish_many(
            [(PINGED.name, 7, {"note": "first"}), (PINGED.name, 8, {"note": "second"})]
        )

    assert effects.count_effects(handler="on_pinged") == len(events)


def test_publish_many_writes_the_rows_in_one_statement(outbox_registry, effects):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        publish_many([(PINGED.name, 7, {"note": "first"}), (PINGED.name, 8, {"note": "second"})])

    inserts = [query for query in queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 1
