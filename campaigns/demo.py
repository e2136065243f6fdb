"""Demo campaigns for the quick start, joined by the active demo partners."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from partners.models import Partner

DEMO_CAMPAIGNS = [
    {
        "name": "Vuelos de temporada alta",
        "kind": Campaign.Kind.CPA,
        "currency": "COP",
        "landing_url": "https://viajes.example.com/vuelos",
        "allowed_domains": ["m.viajes.example.com"],
        "payout_amount": Decimal("25000"),
        "total_budget": Decimal("5000000"),
        "daily_budget": Decimal("500000"),
        "goals": "Compra de un tiquete aéreo confirmada.",
        "launch": True,
    },
    {
        "name": "Tarjeta de crédito sin cuota de manejo",
        "kind": Campaign.Kind.CPL,
        "currency": "COP",
        "landing_url": "https://banco.example.com/tarjeta",
        "payout_amount": Decimal("12000"),
        "total_budget": Decimal("2400000"),
        "goals": "Solicitud de tarjeta completada.",
        "launch": False,
    },
]


@transaction.atomic
def load_demo_campaigns() -> int:
    """Create the demo campaigns once and enroll the active partners; return how many were new."""
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    partners = list(Partner.objects.filter(status=Partner.Status.ACTIVE).order_by("pk")[:6])
    created = 0
    for spec in DEMO_CAMPAIGNS:
        if Campaign.objects.filter(name=spec["name"]).exists():
            continue
        fields = {key: value for key, value in spec.items() if key != "launch"}
        fields["starts_at"] = timezone.now() - dt.timedelta(days=1)
        campaign = services.create_campaign(actor=admin, **fields)
        if spec["launch"]:
            campaign = services.launch_campaign(campaign=campaign, actor=admin)
            for partner in partners:
                services.invite_partner(campaign=campaign, partner=partner, actor=admin)
        created += 1
    return created
