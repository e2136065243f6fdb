"""The README's quick start, run for real: bin/start on SQLite, then HTTP requests."""

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """Run bin/start in the embedded mode and yield its base URL and SQLite path."""
    workdir = tmp_path_factory.mktemp("quickstart")
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "HEXA_TESTING", "HEXA_TASKS_EAGER"}
    }
    environment.update(
        HEXA_DEBUG="true",
        HEXA_SECRET_KEY="quickstart-test-key-" + "x" * 40,
        HEXA_SQLITE_PATH=str(workdir / "db.sqlite3"),
        HEXA_MEDIA_ROOT=str(workdir / "media"),
        HEXA_IGNORE_DOTENV="true",
        PORT=str(port),
    )
    log_path = workdir / "start.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "start")],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"bin/start exited early:\n{log_path.read_text()}")
            try:
                status, _body = _get(f"{base_url}/health/")
            except OSError:
                time.sleep(0.5)
                continue
            if status == 200:
                break
        else:
            pytest.fail(f"bin/start did not serve /health/ in time:\n{log_path.read_text()}")
        yield {"url": base_url, "db": workdir / "db.sqlite3", "log": log_path}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_quickstart_prints_admin_sign_in(quickstart):
    assert "admin / hexabuilders-demo" in quickstart["log"].read_text()


def test_quickstart_loads_a_dozen_demo_partners(quickstart):
    with sqlite3.connect(quickstart["db"]) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM partners_partner").fetchone()
    assert count == 12


def test_quickstart_serves_admin_login_in_spanish(quickstart):
    status, body = _get(f"{quickstart['url']}/admin/login/")
    assert status == 200
    assert 'lang="es"' in body


def test_quickstart_health_reports_every_check(quickstart):
    _status, body = _get(f"{quickstart['url']}/health/")
    assert '"database": {"ok": true' in body


def test_quickstart_loads_an_active_demo_campaign(quickstart):
    with sqlite3.connect(quickstart["db"]) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM campaigns_campaign WHERE status = 'active'"
        ).fetchone()
    assert count == 1
