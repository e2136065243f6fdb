"""Domain events kept in a transactional outbox.

A service calls ``publish`` inside its own transaction; the event row commits or
rolls back with the change it describes. After commit a task hands the event to
every subscribed handler, and each (event, handler) pair is recorded, so a
handler's database work is applied at most once even when delivery repeats.
"""

from hexabuilders.events.registry import (
    EventDeclarationError,
    EventType,
    declare,
    registry,
    subscribe,
)

__all__ = [
    "EventDeclarationError",
    "EventType",
    "declare",
    "publish",
    "publish_many",
    "registry",
    "subscribe",
]


def publish(*args, **kwargs):
    """Record an event in the outbox; see ``hexabuilders.events.outbox.publish``."""
    from hexabuilders.events.outbox import publish as _publish

    return _publish(*args, **kwargs)


def publish_many(*args, **kwargs):
    """Record several events in one INSERT; see ``hexabuilders.events.outbox.publish_many``."""
    from hexabuilders.events.outbox import publish_many as _publish_many

    return _publish_many(*args, **kwargs)
