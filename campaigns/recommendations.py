"""Partners to invite to a campaign: those most like the partners who perform best in it.

Each partner becomes a vector of its kind, country and tier (one-hot) and two
performance features taken from its other campaigns: conversion rate, and EPC
relative to each campaign's average (so campaigns in different currencies compare).
Candidates are the active partners not enrolled in the campaign in any status, and
they rank by cosine similarity to the mean vector of the campaign's top performers.
The top performers' own features come from this campaign, which is where they earned
their place, so a candidate with a high EPC elsewhere resembles them more.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign, MetricBucket
from partners.models import Partner

TOP_PERFORMERS = 5
# Conversion rates are scaled so that this rate or more counts as the top of the scale.
HIGH_CONVERSION_RATE = 0.10
# An EPC index (partner EPC / campaign average EPC) at or above this counts as the top.
HIGH_EPC_INDEX = 3.0


@dataclass(frozen=True)
class PartnerProfile:
    """The features of a partner that the similarity compares."""

    partner: Partner
    conversion_rate: float | None
    epc_index: float | None

    def vector(self, countries: list[str]) -> list[float]:
        values = [float(self.partner.kind == kind) for kind in Partner.Kind.values]
        values += [float(str(self.partner.country) == country) for country in countries]
        values += [float(self.partner.tier == tier) for tier in Partner.Tier.values]
        rate = self.conversion_rate or 0.0
        values.append(min(rate / HIGH_CONVERSION_RATE, 1.0))
        values.append(min((self.epc_index or 0.0) / HIGH_EPC_INDEX, 1.0))
        return values


@dataclass(frozen=True)
class Recommendation:
    """A candidate partner, its similarity score (0 to 1) and the reason shown to staff."""

    partner: Partner
    score: float
    reason: str
    conversion_rate: float | None
    epc_index: float | None


def cosine_similarity(first: list[float], second: list[float]) -> float:
    """Return the cosine of the angle between two vectors, 0 when either is all zeros."""
    dot = sum(a * b for a, b in zip(first, second, strict=True))
    norms = math.sqrt(sum(a * a for a in first)) * math.sqrt(sum(b * b for b in second))
    return dot / norms if norms else 0.0


def _performance(buckets) -> dict[int, tuple[float | None, float | None]]:
    """Return (conversion rate, EPC index) per partner over the campaigns of ``buckets``."""
    rows = list(
        buckets.values("campaign_id", "partner_id").annotate(
            clicks=Sum("clicks"), conversions=Sum("conversions"), payout=Sum("payout")
        )
    )
    campaign_clicks: dict[int, int] = defaultdict(int)
    campaign_payout: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        campaign_clicks[row["campaign_id"]] += row["clicks"] or 0
        campaign_payout[row["campaign_id"]] += row["payout"] or Decimal("0")

    clicks: dict[int, int] = defaultdict(int)
    conversions: dict[int, int] = defaultdict(int)
    weighted_index: dict[int, float] = defaultdict(float)
    for row in rows:
        partner_clicks = row["clicks"] or 0
        if not partner_clicks:
            continue
        clicks[row["partner_id"]] += partner_clicks
        conversions[row["partner_id"]] += row["conversions"] or 0
        average_epc = campaign_payout[row["campaign_id"]] / campaign_clicks[row["campaign_id"]]
        if average_epc > 0:
            epc = (row["payout"] or Decimal("0")) / partner_clicks
            weighted_index[row["partner_id"]] += float(epc / average_epc) * partner_clicks

    performance = {}
    for partner_id, partner_clicks in clicks.items():
        rate = conversions[partner_id] / partner_clicks
        index = None
        if partner_id in weighted_index:
            index = weighted_index[partner_id] / partner_clicks
        performance[partner_id] = (rate, index)
    return performance


def top_performers(*, campaign: Campaign, limit: int = TOP_PERFORMERS) -> list[Partner]:
    """Return the campaign's partners with the most payout, then conversions, then clicks."""
    ranked = (
        MetricBucket.objects.filter(campaign=campaign)
        .values("partner_id")
        .annotate(payout=Sum("payout"), conversions=Sum("conversions"), clicks=Sum("clicks"))
        .filter(clicks__gt=0)
        .order_by("-payout", "-conversions", "-clicks", "partner_id")[:limit]
    )
    ids = [row["partner_id"] for row in ranked]
    partners = Partner.objects.in_bulk(ids)
    return [partners[partner_id] for partner_id in ids]


def _reason(profile: PartnerProfile, top: list[Partner]) -> str:
    partner = profile.partner
    same_both = sum(
        1 for other in top if other.kind == partner.kind and other.country == partner.country
    )
    same_country = sum(1 for other in top if other.country == partner.country)
    same_kind = sum(1 for other in top if other.kind == partner.kind)
    values = {"total": len(top)}
    if same_both:
        values["count"] = same_both
        similarity = ngettext(
            "Same country and kind as %(count)d of your top %(total)d partners",
            "Same country and kind as %(count)d of your top %(total)d partners",
            same_both,
        )
    elif same_country:
        values["count"] = same_country
        similarity = ngettext(
            "Same country as %(count)d of your top %(total)d partners",
            "Same country as %(count)d of your top %(total)d partners",
            same_country,
        )
    elif same_kind:
        values["count"] = same_kind
        similarity = ngettext(
            "Same kind as %(count)d of your top %(total)d partners",
            "Same kind as %(count)d of your top %(total)d partners",
            same_kind,
        )
    else:
        similarity = _("Performance like that of your top %(total)d partners")
    parts = [similarity % values]

    if profile.epc_index is None:
        parts.append(_("no EPC history on other campaigns yet"))
    else:
        percent = round((profile.epc_index - 1) * 100)
        if percent > 0:
            parts.append(_("EPC %(percent)d %% above average") % {"percent": percent})
        elif percent < 0:
            parts.append(_("EPC %(percent)d %% below average") % {"percent": -percent})
        else:
            parts.append(_("EPC at the average"))
    return "; ".join(parts)


def recommend_partners(*, campaign: Campaign, limit: int = 10) -> list[Recommendation]:
    """Return up to ``limit`` partners to invite, most similar first.

    Returns an empty list while no partner of the campaign has clicks, because there
    are no top performers to compare with.
    """
    top = top_performers(campaign=campaign)
    if not top:
        return []
    elsewhere = _performance(MetricBucket.objects.exclude(campaign=campaign))
    in_campaign = _performance(MetricBucket.objects.filter(campaign=campaign))
    candidates = list(
        Partner.objects.filter(status=Partner.Status.ACTIVE)
        .exclude(enrollments__campaign=campaign)
        .order_by("pk")
    )
    if not candidates:
        return []

    def profile_of(partner: Partner, performance) -> PartnerProfile:
        rate, index = performance.get(partner.pk, (None, None))
        return PartnerProfile(partner=partner, conversion_rate=rate, epc_index=index)

    countries = sorted({str(partner.country) for partner in [*top, *candidates]})
    top_vectors = [profile_of(partner, in_campaign).vector(countries) for partner in top]
    centroid = [sum(column) / len(top_vectors) for column in zip(*top_vectors, strict=True)]

    recommendations = []
    for partner in candidates:
        profile = profile_of(partner, elsewhere)
        score = cosine_similarity(profile.vector(countries), centroid)
        recommendations.append(
            Recommendation(
                partner=partner,
                score=round(score, 4),
                reason=_reason(profile, top),
                conversion_rate=profile.conversion_rate,
                epc_index=profile.epc_index,
            )
        )
    recommendations.sort(key=lambda item: (-item.score, item.partner.pk))
    return recommendations[:limit]
