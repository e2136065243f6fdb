"""Access rules of the partner portal: sign-in throttling and the partner's status.

Throttling counts failed sign-ins per username and client IP in the default
cache (Redis in the full stack, so every web process shares the counters). After
``MAX_FAILURES`` failures within ``FAILURE_WINDOW`` the pair is locked for
``LOCKOUT``, and a locked pair is refused before the password is checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)


def _cache_key(kind: str, username: str, ip: str) -> str:
    # Hashing keeps user-typed text out of cache keys, whose characters and length are limited.
    digest = hashlib.sha256(f"{username.strip().casefold()}\x00{ip}".encode()).hexdigest()
    return f"portal-login:{kind}:{digest}"


def locked_until(*, username: str, ip: str) -> dt.datetime | None:
    """Return when the lock on this username and IP ends, or None when it is not locked."""
    until = cache.get(_cache_key("lock", username, ip))
    if until is None or until <= timezone.now():
        return None
    return until


def record_failure(*, username: str, ip: str) -> dt.datetime | None:
    """Count a failed sign-in and return the lock's end when this failure starts a lock."""
    key = _cache_key("failures", username, ip)
    window = int(FAILURE_WINDOW.total_seconds())
    cache.add(key, 0, timeout=window)
    try:
        failures = cache.incr(key)
    except ValueError:
        # The window expired between add() and incr(), so this failure opens a new one.
        cache.add(key, 1, timeout=window)
        failures = 1
    if failures < MAX_FAILURES:
        return None
    until = timezone.now() + LOCKOUT
    cache.set(_cache_key("lock", username, ip), until, timeout=int(LOCKOUT.total_seconds()))
    cache.delete(key)
    logger.warning("portal sign-in locked after %s failures from %s", failures, ip)
    return until


def reset_failures(*, username: str, ip: str) -> None:
    """Forget the failures of a username and IP after a successful sign-in."""
    cache.delete(_cache_key("failures", username, ip))


def closed_portal_message(partner: Partner) -> str | None:
    """Return why the partner's members may not use the portal, or None when they may."""
    if partner.status == Partner.Status.SUSPENDED:
        return _(
            "The partner account %(name)s is suspended, so the portal is closed to its "
            "members. Contact your account manager to restore access."
        ) % {"name": partner}
    if partner.status == Partner.Status.TERMINATED:
        return _(
            "The partner account %(name)s has been terminated, so the portal is no longer "
            "available to its members."
        ) % {"name": partner}
    return None
