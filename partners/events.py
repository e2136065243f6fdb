"""Events the partners app publishes."""

from hexabuilders.events import EventType, declare

PARTNER_CREATED = declare(
    EventType(
        name="partner.created",
        version=1,
        aggregate_type="partner",
        fields={
            "partner_id": "int",
            "legal_name": "str",
            "kind": "str",
            "country": "str",
            "status": "str",
            "actor_id": "int?",
        },
        description="A partner record was created by staff, an import or an application.",
    )
)
PARTNER_ONBOARDING_STARTED = declare(
    EventType(
        name="partner.onboarding_started",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "actor_id": "int?"},
        description="An applicant moved into onboarding.",
    )
)
PARTNER_ACTIVATED = declare(
    EventType(
        name="partner.activated",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "previous_status": "str", "actor_id": "int?"},
        description="A partner became active, for the first time or after a suspension.",
    )
)
PARTNER_SUSPENDED = declare(
    EventType(
        name="partner.suspended",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "reason": "str", "actor_id": "int?"},
        description="An active partner was suspended; its links and keys stop working.",
    )
)
PARTNER_TERMINATED = declare(
    EventType(
        name="partner.terminated",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "previous_status": "str", "reason": "str", "actor_id": "int?"},
        description="The relationship with a partner ended; this status is final.",
    )
)
API_KEY_CREATED = declare(
    EventType(
        name="api_key.created",
        version=1,
        aggregate_type="api_key",
        fields={
            "api_key_id": "int",
            "partner_id": "int",
            "prefix": "str",
            "scope": "str",
            "actor_id": "int?",
        },
        description="A partner API key was issued.",
    )
)
API_KEY_REVOKED = declare(
    EventType(
        name="api_key.revoked",
        version=1,
        aggregate_type="api_key",
        fields={"api_key_id": "int", "partner_id": "int", "prefix": "str", "actor_id": "int?"},
        description="A partner API key was revoked and no longer authenticates.",
    )
)
