"""Helpers that the benchmarks share: ports, servers, CPU time, wrk output and medians."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until ``process`` accepts connections on ``port``, or raise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not listen on port {port} within {timeout} s")


@contextlib.contextmanager
def serving(environ: dict[str, str], port: int, *, log_name: str, workers: tuple[str, ...] = ()):
    """Run one daphne process on ``port``, plus a solo Celery worker per entry of ``workers``.

    Each entry of ``workers`` lists the queues of one worker, such as ``"default,ingest"``.
    Yields the process ids, for ``cpu_seconds``. Output goes to ``var/<log_name>.log``.
    """
    (ROOT / "var").mkdir(exist_ok=True)
    logs = open(ROOT / "var" / f"{log_name}.log", "w")  # noqa: SIM115
    processes = [
        subprocess.Popen(
            [
                str(ROOT / ".venv/bin/daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "-v",
                "0",
                "hexabuilders.asgi:application",
            ],
            env=environ,
            cwd=ROOT,
            stdout=logs,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    ]
    for queues in workers:
        processes.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "hexabuilders",
                    "worker",
                    "-Q",
                    queues,
                    "-c",
                    "1",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "WARNING",
                    "-n",
                    f"{queues.replace(',', '-')}-{port}@127.0.0.1",
                ],
                env=environ,
                cwd=ROOT,
                stdout=logs,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    try:
        wait_for_port(port, processes[0])
        yield tuple(process.pid for process in processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        logs.close()


def cpu_seconds(pids) -> float:
    """Return the user and system CPU seconds that the processes ``pids`` have used."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> tuple[float, float, int, int]:
    """Return requests per second, p99 latency in ms, requests and error replies from wrk."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output).groups()
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, float(value) * _UNITS[unit], total, int(errors.group(1)) if errors else 0
