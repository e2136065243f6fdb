"""Celery tasks that move outbox events to their handlers, and platform housekeeping.

They are idempotent: each re-reads the rows it works on and does nothing for work
that is already done, so late acknowledgement and redelivery are safe.
"""

import logging

from celery import shared_task

from hexabuilders import idempotency
from hexabuilders.events import outbox

logger = logging.getLogger(__name__)


@shared_task(name="hexabuilders.dispatch_event", acks_late=True)
def dispatch_event_task(event_id: str) -> None:
    """Dispatch one outbox event to its handlers."""
    outbox.dispatch_event(event_id)


@shared_task(name="hexabuilders.dispatch_events", acks_late=True)
def dispatch_events_task(event_ids: list[str]) -> None:
    """Dispatch the outbox events that one transaction published, in order."""
    for event_id in event_ids:
        outbox.dispatch_event(event_id)


@shared_task(name="hexabuilders.run_delivery", acks_late=True)
def run_delivery_task(delivery_id: int) -> None:
    """Run one handler delivery, typically a scheduled retry."""
    outbox.run_delivery(delivery_id)


@shared_task(name="hexabuilders.relay_outbox", acks_late=True)
def relay_outbox_task() -> None:
    """Dispatch events and retries that the normal path left behind."""
    outbox.relay_outbox()


@shared_task(name="hexabuilders.purge_idempotency_records", acks_late=True)
def purge_idempotency_records_task() -> int:
    """Delete idempotency records past their retention and return how many were deleted."""
    deleted = idempotency.purge_expired()
    logger.info("purged %d expired idempotency records", deleted)
    return deleted
