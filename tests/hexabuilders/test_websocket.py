"""``/ws/health/`` under a real daphne server, with channels-redis when Redis is available."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.hexabuilders.conftest import (
    REPOSITORY,
    child_environment,
    free_port,
    stop_process,
    wait_for_port,
)

EXPECTED_LAYER = (
    "channels_redis.core.RedisChannelLayer"
    if settings.REDIS_URL
    else "channels.layers.InMemoryChannelLayer"
)


@pytest.fixture(scope="module")
def daphne_port(tmp_path_factory):
    """Start daphne on a free loopback port with the project's ASGI app; stop it after."""
    port = free_port()
    directory = tmp_path_factory.mktemp("daphne")
    environ = child_environment(HEXA_SQLITE_PATH=str(directory / "db.sqlite3"))
    if settings.REDIS_URL:
        environ["REDIS_URL"] = settings.REDIS_URL
    log_path = directory / "daphne.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "hexabuilders.asgi:application",
            ],
            cwd=REPOSITORY,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=30)
    except TimeoutError:
        stop_process(process)
        raise AssertionError(log_path.read_text(errors="replace")) from None
    yield port
    stop_process(process)


def open_socket(port: int, origin: str):
    return connect(
        f"ws://127.0.0.1:{port}/ws/health/",
        origin=origin,
        proxy=None,
        open_timeout=10,
        close_timeout=5,
    )


def test_health_socket_answers_ping(daphne_port):
    with open_socket(daphne_port, f"http://127.0.0.1:{daphne_port}") as socket:
        socket.send(json.dumps({"type": "ping"}))
        reply = json.loads(socket.recv(timeout=10))

    assert reply == {"type": "pong", "layer": EXPECTED_LAYER}


def test_health_socket_reports_unknown_message(daphne_port):
    with open_socket(daphne_port, f"http://localhost:{daphne_port}") as socket:
        socket.send(json.dumps(["ping"]))
        reply = json.loads(socket.recv(timeout=10))

    assert reply["type"] == "error"


def test_health_socket_rejects_foreign_origin(daphne_port):
    with pytest.raises(InvalidStatus) as rejected:
        open_socket(daphne_port, "https://attacker.example")

    assert rejected.value.response.status_code == 403
