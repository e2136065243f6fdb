"""Events the campaigns app publishes."""

from hexabuilders.events import EventType, declare


def _campaign_event(event_name: str, description: str, **extra_fields: str) -> EventType:
    return declare(
        EventType(
            name=event_name,
            version=1,
            aggregate_type="campaign",
            fields={"campaign_id": "int", "actor_id": "int?", **extra_fields},
            description=description,
        )
    )


CAMPAIGN_CREATED = _campaign_event(
    "campaign.created", "A campaign was created as a draft.", name="str", kind="str"
)
CAMPAIGN_SCHEDULED = _campaign_event(
    "campaign.scheduled",
    "A draft campaign was scheduled to start at starts_at.",
    starts_at="datetime",
)
CAMPAIGN_LAUNCHED = _campaign_event(
    "campaign.launched",
    "A campaign became active: its links count clicks.",
    previous_status="str",
)
CAMPAIGN_PAUSED = _campaign_event(
    "campaign.paused", "An active campaign was paused by staff or by its budget.", reason="str"
)
CAMPAIGN_COMPLETED = _campaign_event(
    "campaign.completed", "A campaign ended on its end date or by staff."
)
CAMPAIGN_CANCELLED = _campaign_event(
    "campaign.cancelled", "A campaign was cancelled before completing.", reason="str"
)
CAMPAIGN_BUDGET_EXHAUSTED = _campaign_event(
    "campaign.budget_exhausted",
    "A campaign's total or daily budget, or a partner's cap, was reached.",
    scope="str",
    partner_id="int?",
    spent="decimal",
    cap="decimal",
)


def _enrollment_event(name: str, description: str) -> EventType:
    return declare(
        EventType(
            name=name,
            version=1,
            aggregate_type="enrollment",
            fields={
                "enrollment_id": "int",
                "campaign_id": "int",
                "partner_id": "int",
                "actor_id": "int?",
            },
            description=description,
        )
    )


ENROLLMENT_INVITED = _enrollment_event(
    "enrollment.invited", "Staff invited a partner to a campaign."
)
ENROLLMENT_REQUESTED = _enrollment_event(
    "enrollment.requested", "A partner asked to join a campaign."
)
ENROLLMENT_APPROVED = _enrollment_event(
    "enrollment.approved", "A partner joined a campaign and received its tracking link."
)
ENROLLMENT_REJECTED = _enrollment_event(
    "enrollment.rejected", "Staff declined a partner's request to join a campaign."
)


def _conversion_event(name: str, description: str, **extra_fields: str) -> EventType:
    return declare(
        EventType(
            name=name,
            version=1,
            aggregate_type="conversion",
            fields={
                "conversion_id": "int",
                "campaign_id": "int",
                "partner_id": "int?",
                "transaction_id": "str",
                "amount": "decimal",
                "currency": "str",
                "payout": "decimal",
                "status": "str",
                "reason_code": "str",
                "occurred_at": "datetime",
                **extra_fields,
            },
            description=description,
        )
    )


CONVERSION_RECORDED = _conversion_event(
    "conversion.recorded", "A postback was accepted and stored, whatever its status."
)
CONVERSION_APPROVED = _conversion_event(
    "conversion.approved",
    "A conversion was approved; its payout is reserved in the budget and a commission is due.",
)
CONVERSION_REVERSED = _conversion_event(
    "conversion.reversed",
    "An approved conversion was refunded or charged back; its payout is released.",
    previous_status="str",
)

ALERT_RAISED = declare(
    EventType(
        name="alert.raised",
        version=1,
        aggregate_type="campaign",
        fields={
            "alert_id": "int",
            "campaign_id": "int",
            "kind": "str",
            "metric": "str",
            "hour": "datetime",
            "value": "decimal",
            "expected": "decimal?",
            "message": "str",
        },
        description="A campaign threshold was crossed or its hourly series showed an anomaly.",
    )
)

from campaigns import tracking  # noqa: E402, F401  (subscribes the link-cache handlers)
