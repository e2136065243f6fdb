import datetime as dt

import pytest
from django.utils import timezone

from hexabuilders.models import OutboxEvent
from partners import services
from partners.models import ApiKey, Partner
from tests.factories import PartnerFactory, UserFactory, issue_api_key

pytestmark = pytest.mark.django_db


def _create(**overrides):
    fields = {
        "legal_name": "Bancolombia S.A.",
        "kind": Partner.Kind.RESELLER,
        "country": "CO",
        "tax_id": "890.903.938-8",
        "phone": "604 510 9000",
    }
    fields.update(overrides)
    return services.create_partner(actor=None, **fields)


def test_create_partner_normalises_tax_id():
    assert _create().tax_id == "8909039388"


def test_create_partner_stores_phone_in_e164():
    assert _create().phone == "+576045109000"


def test_create_partner_publishes_created_event():
    partner = _create()
    assert OutboxEvent.objects.filter(type="partner.created", aggregate_id=str(partner.pk)).exists()


def test_create_partner_rejects_invalid_tax_id_and_writes_nothing():
    with pytest.raises(services.PartnerError) as error:
        _create(tax_id="900.555.111-0")
    assert "tax_id" in error.value.fields
    assert not Partner.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_create_partner_rejects_same_tax_id_written_differently():
    _create()
    with pytest.raises(services.PartnerError):
        _create(tax_id="8909039388", legal_name="Otra")
    assert Partner.objects.count() == 1


def test_create_partner_requires_iban_for_iban_payouts():
    with pytest.raises(services.PartnerError) as error:
        _create(payout_method=Partner.PayoutMethod.IBAN)
    assert "iban" in error.value.fields


def test_activate_partner_moves_applicant_to_active():
    partner = services.activate_partner(partner=PartnerFactory(), actor=None)
    assert partner.status == Partner.Status.ACTIVE


def test_activate_partner_publishes_previous_status():
    partner = services.activate_partner(partner=PartnerFactory(), actor=None)
    event = OutboxEvent.objects.get(type="partner.activated", aggregate_id=str(partner.pk))
    assert event.payload["previous_status"] == "applicant"


def test_activate_rejects_terminated_partner():
    partner = PartnerFactory(status=Partner.Status.TERMINATED)
    with pytest.raises(services.PartnerError) as error:
        services.activate_partner(partner=partner, actor=None)
    assert error.value.code == "invalid_transition"


def test_activate_rejection_leaves_status_and_outbox_unchanged():
    partner = PartnerFactory(status=Partner.Status.TERMINATED)
    with pytest.raises(services.PartnerError):
        services.activate_partner(partner=partner, actor=None)
    partner.refresh_from_db()
    assert partner.status == Partner.Status.TERMINATED
    assert not OutboxEvent.objects.filter(type="partner.activated").exists()


def test_suspend_rejects_applicant():
    with pytest.raises(services.PartnerError):
        services.suspend_partner(partner=PartnerFactory(), actor=None)


def test_suspend_partner_records_reason_in_event():
    partner = PartnerFactory(status=Partner.Status.ACTIVE)
    services.suspend_partner(partner=partner, actor=None, reason="Fraude")
    event = OutboxEvent.objects.get(type="partner.suspended")
    assert event.payload["reason"] == "Fraude"


def test_start_onboarding_rejects_active_partner():
    with pytest.raises(services.PartnerError):
        services.start_onboarding(partner=PartnerFactory(status="active"), actor=None)


def test_terminate_partner_revokes_its_api_keys():
    partner = PartnerFactory(status=Partner.Status.ACTIVE)
    api_key, _raw = issue_api_key(partner)
    services.terminate_partner(partner=partner, actor=None)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_update_partner_rejects_fields_outside_allowed_list():
    partner = PartnerFactory()
    with pytest.raises(services.PartnerError):
        services.update_partner(
            partner=partner,
            actor=None,
            data={"status": "active"},
            allowed_fields=services.PARTNER_EDITABLE_FIELDS,
        )
    partner.refresh_from_db()
    assert partner.status == Partner.Status.APPLICANT


def test_create_api_key_stores_only_a_hash():
    api_key, raw_key = issue_api_key(PartnerFactory())
    assert raw_key.split("_", 2)[2] not in api_key.secret_hash


def test_authenticate_api_key_accepts_the_issued_key():
    api_key, raw_key = issue_api_key(PartnerFactory(status="active"))
    assert services.authenticate_api_key(raw_key) == api_key


def test_authenticate_api_key_rejects_wrong_secret():
    _api_key, raw_key = issue_api_key(PartnerFactory(status="active"))
    assert services.authenticate_api_key(raw_key[:-2] + "zz") is None


def test_authenticate_api_key_rejects_revoked_key():
    api_key, raw_key = issue_api_key(PartnerFactory(status="active"))
    services.revoke_api_key(api_key=api_key, actor=None)
    assert services.authenticate_api_key(raw_key) is None


def test_authenticate_api_key_rejects_expired_key():
    api_key, raw_key = issue_api_key(PartnerFactory(status="active"))
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.authenticate_api_key(raw_key) is None


def test_authenticate_api_key_rejects_suspended_partner():
    partner = PartnerFactory(status="active")
    _api_key, raw_key = issue_api_key(partner)
    services.suspend_partner(partner=partner, actor=None)
    assert services.authenticate_api_key(raw_key) is None


def test_authenticate_api_key_records_last_use():
    api_key, raw_key = issue_api_key(PartnerFactory(status="active"))
    services.authenticate_api_key(raw_key)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_create_api_key_rejects_past_expiry():
    partner = PartnerFactory()
    with pytest.raises(services.PartnerError):
        services.create_api_key(
            partner=partner,
            actor=None,
            name="old",
            expires_at=timezone.now() - dt.timedelta(days=1),
        )
    assert not ApiKey.objects.exists()


def test_create_api_key_rejects_expiry_beyond_limit():
    partner = PartnerFactory()
    too_late = timezone.now() + services.API_KEY_MAX_LIFETIME + dt.timedelta(minutes=1)

    with pytest.raises(services.PartnerError) as raised:
        services.create_api_key(partner=partner, actor=None, name="long", expires_at=too_late)

    assert list(raised.value.fields) == ["expires_at"]
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("joined_on", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_update_partner_rejects_joined_on_out_of_range(joined_on):
    partner = PartnerFactory()

    with pytest.raises(services.PartnerError) as raised:
        services.update_partner(partner=partner, actor=None, data={"joined_on": joined_on})

    assert list(raised.value.fields) == ["joined_on"]
    assert Partner.objects.get(pk=partner.pk).joined_on is None


def test_update_partner_stores_formatted_phone_in_e164():
    partner = PartnerFactory()

    services.update_partner(partner=partner, actor=None, data={"phone": "+57 (604) 510 - 90 00"})

    assert Partner.objects.get(pk=partner.pk).phone == "+576045109000"


def test_revoke_api_key_twice_publishes_one_event():
    api_key, _raw = issue_api_key(PartnerFactory())
    services.revoke_api_key(api_key=api_key, actor=None)
    services.revoke_api_key(api_key=api_key, actor=None)
    assert OutboxEvent.objects.filter(type="api_key.revoked").count() == 1


def test_add_member_rejects_user_of_another_partner():
    user = UserFactory()
    services.add_member(partner=PartnerFactory(), user=user, role="owner", actor=None)
    with pytest.raises(services.PartnerError):
        services.add_member(partner=PartnerFactory(), user=user, role="owner", actor=None)


def test_load_demo_data_is_idempotent():
    from partners.demo import load_demo_data

    load_demo_data()
    load_demo_data()
    assert Partner.objects.count() == 12
