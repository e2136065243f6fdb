"""Live metrics: the hook ingestion calls after it folds new rows into buckets."""

from __future__ import annotations

from collections.abc import Iterable


def campaigns_changed(campaign_ids: Iterable[int]) -> None:
    """Tell live dashboards that these campaigns' metrics changed.

    Ingestion calls this after each committed fold. It must return quickly and never
    raise: the live layer coalesces and rate-limits what it sends.
    """
    # TODO: send KPI snapshots to the WebSocket groups of these campaigns.
    return None
