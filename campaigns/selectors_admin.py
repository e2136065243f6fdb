"""Reads for the staff admin of campaigns: cheap row-count estimates and pacing."""

from __future__ import annotations

import json

from django.db import connections
from django.db.models import QuerySet

from campaigns.budgets import Pacing, pacing
from campaigns.models import Campaign


def estimated_count(queryset: QuerySet) -> int:
    """Return the planner's estimate of the rows ``queryset`` matches, without counting them.

    PostgreSQL's ``EXPLAIN`` reads table statistics only, so this costs the same on
    ten rows as on ten million. The figure is as good as the last ``ANALYZE``: it
    may be off by a wide margin for unusual filters.
    """
    query = queryset.order_by().values("pk").query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def bounded_count(queryset: QuerySet, *, limit: int) -> int:
    """Return how many rows ``queryset`` matches, counting no further than ``limit``."""
    return queryset.order_by().values("pk")[:limit].count()


def campaign_pacing(campaign: Campaign) -> Pacing:
    """Return the campaign's pacing as the budget module defines it."""
    return pacing(campaign)
