import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.redis


def _client_in_new_thread():
    found = []
    thread = threading.Thread(target=lambda: found.append(caches["default"]._cache))
    thread.start()
    thread.join()
    return found[0]


def test_cache_threads_share_one_redis_client():
    assert _client_in_new_thread() is _client_in_new_thread()


def test_cache_round_trip_through_shared_client():
    caches["default"].set("shared-pool-check", "ok", timeout=10)
    assert caches["default"].get("shared-pool-check") == "ok"
