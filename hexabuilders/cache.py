"""A Redis cache backend whose connection pool lives for the process, not the thread.

Django keeps one cache object per thread, and Django's RedisCache builds its own
client, with its own connection pool, per object. Under daphne each request runs its
synchronous code in a fresh thread, so every request opened a new Redis connection.
redis-py's pools are thread-safe and reset themselves after a fork, so one client
per configuration can serve every thread of a process.
"""

from __future__ import annotations

import threading
from functools import cached_property

from django.core.cache.backends.redis import RedisCache


class SharedPoolRedisCache(RedisCache):
    _clients: dict[str, object] = {}
    _clients_lock = threading.Lock()

    @cached_property
    def _cache(self):
        key = repr((self._servers, sorted(self._options.items())))
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                client = self._class(self._servers, **self._options)
                self._clients[key] = client
        return client
