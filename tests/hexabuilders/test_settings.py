"""Production settings: refusal to start without secrets, and a clean ``check --deploy``.

Each test runs ``manage.py`` in a subprocess with an environment built from scratch,
because settings are read once per process.
"""

import os
import secrets
import subprocess
import sys

from django.conf import settings

MANAGE_PY = settings.BASE_DIR / "manage.py"


def run_manage(*args, tmp_path, **variables):
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HEXA_IGNORE_DOTENV": "true",
        "HEXA_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        **variables,
    }
    return subprocess.run(
        [sys.executable, str(MANAGE_PY), *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_rejects_missing_secret_key(tmp_path):
    result = run_manage("check", tmp_path=tmp_path, HEXA_ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "The environment variable HEXA_SECRET_KEY is required." in result.stderr


def test_production_rejects_missing_allowed_hosts(tmp_path):
    result = run_manage("check", tmp_path=tmp_path, HEXA_SECRET_KEY=secrets.token_urlsafe(60))

    assert result.returncode != 0
    assert "The environment variable HEXA_ALLOWED_HOSTS is required." in result.stderr


def test_production_rejects_development_key(tmp_path):
    result = run_manage(
        "check",
        tmp_path=tmp_path,
        HEXA_SECRET_KEY="hexabuilders-development-key-never-use-in-production-7f3c9a1e5d",
        HEXA_ALLOWED_HOSTS="example.com",
    )

    assert result.returncode != 0
    assert "HEXA_SECRET_KEY must be set when HEXA_DEBUG is off." in result.stderr


def test_debug_mode_starts_without_secrets(tmp_path):
    result = run_manage("check", tmp_path=tmp_path, HEXA_DEBUG="true")

    assert result.returncode == 0


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        HEXA_DEBUG="false",
        HEXA_SECRET_KEY=secrets.token_urlsafe(60),
        HEXA_ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
