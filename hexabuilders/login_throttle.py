"""Sign-in throttling for the portal and the staff admin.

Failed sign-ins are counted per username and client IP in the default cache
(Redis in the full stack, so every web process shares the counters). After
``MAX_FAILURES`` failures within ``FAILURE_WINDOW`` the pair is locked for
``LOCKOUT``, and a locked pair is refused before the password is checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)


def _cache_key(kind: str, username: str, ip: str) -> str:
    # Hashing keeps user-typed text out of cache keys, whose characters and length are limited.
    digest = hashlib.sha256(f"{username.strip().casefold()}\x00{ip}".encode()).hexdigest()
    return f"login:{kind}:{digest}"


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
    logger.warning("sign-in locked after %s failures from %s", failures, ip)
    return until


def reset_failures(*, username: str, ip: str) -> None:
    """Forget the failures of a username and IP after a successful sign-in."""
    cache.delete(_cache_key("failures", username, ip))


class ThrottledLoginMixin:
    """Refuse sign-ins for a username and IP that failed too often; for AuthenticationForm."""

    def _client_ip(self) -> str:
        # NOTE: behind a reverse proxy REMOTE_ADDR is the proxy's address, so the lock
        # then applies to the username from every client until a trusted proxy header is read.
        return self.request.META.get("REMOTE_ADDR", "") if self.request else ""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = self._client_ip()
        until = locked_until(username=username, ip=ip)
        if until is not None:
            raise throttled_error(until)
        try:
            cleaned_data = super().clean()
        except ValidationError as exc:
            if exc.code == "invalid_login":
                until = record_failure(username=username, ip=ip)
                if until is not None:
                    raise throttled_error(until) from exc
            raise
        if username:
            reset_failures(username=username, ip=ip)
        return cleaned_data


def throttled_error(until: dt.datetime) -> ValidationError:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    message = ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)s minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)s minutes.",
        minutes,
    )
    return ValidationError(message, code="throttled", params={"minutes": minutes})
