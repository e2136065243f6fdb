"""Campaigns, enrollment, tracking, conversions, budgets and metrics."""

from campaigns.models.campaign import Audience, Campaign, Enrollment
from campaigns.models.conversions import Conversion, DailySpend, ExchangeRate
from campaigns.models.metrics import AdSpend, Alert, AlertRule, MetricBucket
from campaigns.models.tracking import Click, TrackingLink

__all__ = [
    "AdSpend",
    "Alert",
    "AlertRule",
    "Audience",
    "Campaign",
    "Click",
    "Conversion",
    "DailySpend",
    "Enrollment",
    "ExchangeRate",
    "MetricBucket",
    "TrackingLink",
]
