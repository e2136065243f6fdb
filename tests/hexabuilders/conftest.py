"""Fixtures for the platform tests: test events, effect rows, private servers and workers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery, current_app
from django.conf import settings
from django.db import connection

from hexabuilders.events import registry
from tests.hexabuilders import outbox_handlers

REPOSITORY = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def wait_until(condition, *, timeout: float, interval: float = 0.2) -> bool:
    """Poll ``condition`` until it returns true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def child_database_url() -> str:
    """Return a URL for the database pytest-django created, for child processes."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def child_environment(**variables: str) -> dict[str, str]:
    """Return the environment for a Django child process in test mode."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HEXA_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environ.update(
        HEXA_TESTING="true",
        HEXA_IGNORE_DOTENV="true",
        PYTHONPATH=str(REPOSITORY),
        PYTHONUNBUFFERED="1",
    )
    environ.update(variables)
    return environ


@pytest.fixture
def outbox_registry():
    """Yield the registry with the test event types declared; undo every change after."""
    with registry.temporary_changes():
        outbox_handlers.declare_events()
        yield registry


@pytest.fixture
def worker_registry():
    """Yield the registry as a worker started with the test handlers builds it; undo after.

    The publishing process must know the subscription too: events that no handler
    subscribes to are stored already dispatched and never reach a worker.
    """
    with registry.temporary_changes():
        outbox_handlers.install()
        yield registry


@pytest.fixture(scope="session")
def _effects_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outbox_handlers.create_effects_table()


@pytest.fixture
def effects(_effects_table, transactional_db):
    """Empty the effects table before the test and return the helper module."""
    outbox_handlers.clear_effects()
    yield outbox_handlers
    outbox_handlers.clear_effects()


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Send tasks from this thread to ``broker_url`` instead of running them eagerly.

    The project's Celery app read its settings once, so a separate app with the same
    settings and the other broker becomes the current app for the block. Shared tasks
    such as ``dispatch_event_task`` resolve to the current app on each call.
    """
    app = Celery("hexabuilders", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    app.conf.task_queues = current_app.conf.task_queues
    previous = current_app._get_current_object()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


class WorkerProcess:
    """A Celery worker subprocess on the ``default`` queue; its output goes to a log file."""

    def __init__(self, *, redis_url: str, log_path: Path, **variables: str):
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hexabuilders",
            "worker",
            "-Q",
            "default",
            "-c",
            "1",
            "--pool=solo",
            "--include",
            outbox_handlers.__name__,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "--hostname",
            f"outbox-test-{uuid.uuid4().hex[:8]}@127.0.0.1",
        ]
        environ = child_environment(
            DATABASE_URL=child_database_url(),
            REDIS_URL=redis_url,
            HEXA_TASKS_EAGER="false",
            **variables,
        )
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPOSITORY, env=environ, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def start_worker(tmp_path):
    """Return a function that starts a worker; every worker started is stopped after the test."""
    workers: list[WorkerProcess] = []

    def start(*, redis_url: str, **variables: str) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(workers)}.log"
        worker = WorkerProcess(redis_url=redis_url, log_path=log_path, **variables)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


class PrivateRedis:
    """A throwaway ``redis-server`` on a free loopback port that a test may stop and restart."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true requires the redis-server program")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
