"""The live socket under a real daphne server with channels-redis, driven by a real client.

The snapshot is sent from this test process, as an ingest worker would send it, and
reaches the browser-side client through Redis and daphne.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from campaigns import live
from campaigns.consumers import CLOSE_FORBIDDEN
from tests.campaigns.live_rows import add_bucket, session_cookie
from tests.factories import active_campaign_with_link
from tests.hexabuilders.conftest import (
    REPOSITORY,
    child_database_url,
    child_environment,
    free_port,
    stop_process,
    wait_for_port,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def daphne_port(tmp_path):
    port = free_port()
    environ = child_environment(DATABASE_URL=child_database_url(), REDIS_URL=settings.REDIS_URL)
    log_path = tmp_path / "daphne.log"
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


def open_live(port, campaign_id, user=None, *, origin=None):
    headers = {"Cookie": session_cookie(user)} if user is not None else {}
    return connect(
        f"ws://127.0.0.1:{port}/ws/campaigns/{campaign_id}/live/",
        origin=origin or f"http://127.0.0.1:{port}",
        additional_headers=headers,
        proxy=None,
        open_timeout=10,
        close_timeout=5,
    )


def test_live_socket_under_daphne(daphne_port, member, other_member, staff_user):
    campaign, _enrollment, _link = active_campaign_with_link(partner=member.partner)
    add_bucket(campaign, member.partner, clicks=12, conversions=3, payout="30.00")

    with pytest.raises(InvalidStatus) as foreign:
        open_live(daphne_port, campaign.pk, staff_user, origin="https://attacker.example")
    assert foreign.value.response.status_code == 403

    with (
        open_live(daphne_port, campaign.pk, other_member.user) as outsider,
        pytest.raises(ConnectionClosed) as closed,
    ):
        outsider.recv(timeout=10)
    assert closed.value.rcvd.code == CLOSE_FORBIDDEN

    with open_live(daphne_port, campaign.pk, member.user) as socket:
        hello = json.loads(socket.recv(timeout=10))
        live.campaigns_changed([campaign.pk])
        snapshot = json.loads(socket.recv(timeout=10))

    assert hello["scope"] == "partner"
    assert snapshot["kpis"]["clicks"] == 12
    assert snapshot["kpis"]["epc"] == "2.50"
    assert snapshot["version"] > 0
