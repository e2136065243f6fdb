"""Each log record is written once, in the project's format, with debug on or off.

The logging configuration is applied once per process, so each case runs in a
subprocess with an environment built from scratch.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings

SNIPPET = """
import logging
import django
django.setup()
for name in ("django.channels.server", "django.request", "partners.services"):
    logging.getLogger(name).warning("probe-from-%s", name)
"""


def _stderr(tmp_path, debug: str) -> str:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hexabuilders.settings",
        "HEXA_IGNORE_DOTENV": "true",
        "HEXA_DEBUG": debug,
        "HEXA_SECRET_KEY": "logging-test-key-" + "x" * 40,
        "HEXA_ALLOWED_HOSTS": "127.0.0.1",
        "HEXA_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    completed = subprocess.run(
        [sys.executable, "-c", SNIPPET],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return completed.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
@pytest.mark.parametrize(
    "logger", ["django.channels.server", "django.request", "partners.services"]
)
def test_log_record_is_written_once(tmp_path, debug, logger):
    lines = [
        line for line in _stderr(tmp_path, debug).splitlines() if f"probe-from-{logger}" in line
    ]

    assert len(lines) == 1
    assert f"WARNING {logger} [-] probe-from-{logger}" in lines[0]
