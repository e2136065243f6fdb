"""Publishing to the outbox, dispatching to handlers, retries and the relay."""

from __future__ import annotations

import datetime as dt
import logging
import random
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from hexabuilders.events.registry import registry
from hexabuilders.models import HandlerDelivery, OutboxEvent
from hexabuilders.rows import insert

logger = logging.getLogger(__name__)

Status = HandlerDelivery.Status


@dataclass(frozen=True)
class Event:
    """The stored event as a handler receives it, with ids and facts only."""

    id: str
    type: str
    version: int
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: dt.datetime

    @classmethod
    def from_row(cls, row: OutboxEvent) -> Event:
        return cls(
            id=str(row.pk),
            type=row.type,
            version=row.version,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            payload=row.payload,
            occurred_at=row.occurred_at,
        )


def publish(event_name: str, *, aggregate_id: Any, payload: dict[str, Any]) -> OutboxEvent:
    """Write an event to the outbox in the caller's transaction; dispatch after commit.

    When the transaction rolls back the event disappears with it. When the broker
    is unreachable at commit time the row stays undispatched and the relay
    delivers it later.
    """
    return publish_many([(event_name, aggregate_id, payload)])[0]


def publish_many(events: list[tuple[str, Any, dict[str, Any]]]) -> list[OutboxEvent]:
    """Write several events, each ``(event_name, aggregate_id, payload)``, in one INSERT.

    Events that no handler subscribes to are stored already dispatched, so they
    cost no task. The others are dispatched by one task after commit.
    """
    now = timezone.now()
    rows = []
    for event_name, aggregate_id, payload in events:
        event_type = registry.get(event_name)
        has_handlers = bool(registry.handler_names_for(event_type.name))
        rows.append(
            OutboxEvent(
                type=event_type.name,
                version=event_type.version,
                aggregate_type=event_type.aggregate_type,
                aggregate_id=str(aggregate_id),
                payload=event_type.build_payload(payload),
                occurred_at=now,
                dispatched_at=None if has_handlers else now,
            )
        )
    insert(rows)
    pending = [str(row.pk) for row in rows if row.dispatched_at is None]
    if pending:
        transaction.on_commit(lambda: _enqueue_dispatch(pending), robust=True)
    return rows


def _enqueue_dispatch(event_ids: list[str]) -> None:
    from hexabuilders.tasks import dispatch_event_task, dispatch_events_task

    try:
        if len(event_ids) == 1:
            dispatch_event_task.delay(event_ids[0])
        else:
            dispatch_events_task.delay(event_ids)
    except Exception:
        # The broker being down must not fail a request whose data already committed.
        logger.warning(
            "events %s not queued; the relay will dispatch them", event_ids, exc_info=True
        )


def dispatch_event(event_id) -> int:
    """Create one delivery per subscribed handler and run those still pending.

    Returns the number of deliveries that succeeded in this call. A second call for
    the same event finds its deliveries done and runs nothing.
    """
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is not None:
            now = timezone.now()
            HandlerDelivery.objects.bulk_create(
                [
                    HandlerDelivery(event=event, handler=name, next_attempt_at=now)
                    for name in registry.handler_names_for(event.type)
                ],
                ignore_conflicts=True,
            )
            event.dispatched_at = now
            event.save(update_fields=["dispatched_at"])

    delivery_ids = HandlerDelivery.objects.filter(
        event_id=event_id, status=Status.PENDING
    ).values_list("pk", flat=True)
    return sum(run_delivery(delivery_id) for delivery_id in list(delivery_ids))


def run_delivery(delivery_id: int) -> bool:
    """Run one handler for one event; return whether it succeeded in this call.

    The handler's writes and the delivery's ``succeeded`` mark commit together, so
    a handler either took effect and is marked done, or neither happened. A
    delivery locked by another worker is skipped rather than waited for.
    """
    try:
        with transaction.atomic():
            # Lock only the delivery row: locking the joined event row too would make
            # sibling deliveries of one event skip each other while a handler runs.
            delivery = (
                HandlerDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event")
                .filter(pk=delivery_id, status__in=[Status.PENDING, Status.RETRYING])
                .first()
            )
            if delivery is None:
                return False
            handler = registry.get_handler(delivery.handler)
            if handler is None:
                raise LookupError(f"handler {delivery.handler} is not registered")
            handler(Event.from_row(delivery.event))
            delivery.status = Status.SUCCEEDED
            delivery.attempts += 1
            delivery.completed_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.last_error = ""
            delivery.save()
    except Exception as exc:
        _record_failure(delivery_id, exc)
        return False
    return True


def retry_delay(attempts: int) -> float:
    """Return seconds to wait after ``attempts`` failures: exponential, with jitter.

    The delay doubles per attempt up to the configured maximum, and a random part
    of up to half of it spreads retries of many failed deliveries apart.
    """
    ceiling = min(
        settings.EVENTS_RETRY_MAX_DELAY,
        settings.EVENTS_RETRY_BASE_DELAY * 2 ** max(attempts - 1, 0),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _record_failure(delivery_id: int, exc: Exception) -> None:
    error_text = "".join(traceback.format_exception(exc))[-4000:]
    with transaction.atomic():
        delivery = (
            HandlerDelivery.objects.select_for_update()
            .filter(pk=delivery_id, status__in=[Status.PENDING, Status.RETRYING])
            .first()
        )
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.last_error = error_text
        if delivery.attempts >= settings.EVENTS_MAX_ATTEMPTS:
            delivery.status = Status.DEAD
            delivery.next_attempt_at = None
            logger.error(
                "handler %s failed on event %s %d times; parked as a dead letter",
                delivery.handler,
                delivery.event_id,
                delivery.attempts,
                exc_info=exc,
            )
        else:
            delay = retry_delay(delivery.attempts)
            delivery.status = Status.RETRYING
            delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
            logger.warning(
                "handler %s failed on event %s (attempt %d); retrying in %.0f s",
                delivery.handler,
                delivery.event_id,
                delivery.attempts,
                delay,
                exc_info=exc,
            )
        delivery.save()
    if delivery.status == Status.RETRYING:
        transaction.on_commit(lambda: _enqueue_retry(delivery.pk, delay))


def _enqueue_retry(delivery_id: int, delay: float) -> None:
    from hexabuilders.tasks import run_delivery_task

    # Eager mode would run the retry at once, ignoring the countdown; there the
    # relay picks the delivery up when it is due instead.
    if run_delivery_task.app.conf.task_always_eager:
        return
    try:
        run_delivery_task.apply_async((delivery_id,), countdown=delay)
    except Exception:
        logger.warning(
            "retry of delivery %s not queued; the relay will run it",
            delivery_id,
            exc_info=True,
        )


@dataclass(frozen=True)
class RelayResult:
    events_dispatched: int
    deliveries_run: int


def relay_outbox(*, now: dt.datetime | None = None, batch_size: int = 200) -> RelayResult:
    """Dispatch events and run deliveries that the normal path left behind.

    It picks events still undispatched after the grace period (their task was lost
    with a worker or never reached the broker) and deliveries due for a retry.
    Each row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` inside
    ``dispatch_event`` and ``run_delivery``, so relays running side by side never
    handle the same row twice.
    """
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.EVENTS_RELAY_GRACE_SECONDS)

    event_ids = list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True, occurred_at__lte=stale_before)
        .order_by("occurred_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for event_id in event_ids:
        dispatch_event(event_id)

    due = HandlerDelivery.objects.filter(
        models.Q(status=Status.RETRYING, next_attempt_at__lte=now)
        | models.Q(status=Status.PENDING, created_at__lte=stale_before)
    )
    delivery_ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:batch_size])
    succeeded = sum(run_delivery(delivery_id) for delivery_id in delivery_ids)
    if event_ids or delivery_ids:
        logger.info(
            "relay dispatched %d events and ran %d deliveries (%d succeeded)",
            len(event_ids),
            len(delivery_ids),
            succeeded,
        )
    return RelayResult(events_dispatched=len(event_ids), deliveries_run=len(delivery_ids))


def retry_dead_letters(delivery_ids) -> int:
    """Put dead letters back in the queue with a fresh attempt budget; return how many.

    ``delivery_ids`` is any iterable of primary keys; ids of deliveries that are not
    dead letters are ignored. Each re-queued delivery is sent to a worker after
    commit, and the relay runs it if that send fails.
    """
    with transaction.atomic():
        requeued = list(
            HandlerDelivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), status=Status.DEAD)
            .values_list("pk", flat=True)
        )
        HandlerDelivery.objects.filter(pk__in=requeued).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for delivery_id in requeued:
            transaction.on_commit(lambda pk=delivery_id: _enqueue_run(pk), robust=True)
    logger.info("re-queued %d dead letters: %s", len(requeued), requeued)
    return len(requeued)


def _enqueue_run(delivery_id: int) -> None:
    from hexabuilders.tasks import run_delivery_task

    try:
        run_delivery_task.delay(delivery_id)
    except Exception:
        logger.warning("delivery %s not queued; the relay will run it", delivery_id, exc_info=True)
