"""The partner admin: list, search, forms through the services, status actions, API keys."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from hexabuilders.models import OutboxEvent
from partners.models import ApiKey, Partner
from tests.factories import (
    PartnerContactFactory,
    PartnerFactory,
    StaffUserFactory,
    UserFactory,
    issue_api_key,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:partners_partner_changelist")
ADD = reverse("admin:partners_partner_add")


def change_url(partner) -> str:
    return reverse("admin:partners_partner_change", args=[partner.pk])


@pytest.fixture
def admin_client(client, staff_user):
    # English, so the assertions do not depend on the Spanish catalog.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(staff_user)
    return client


@pytest.fixture
def finance_client(client):
    user = UserFactory(username="finance", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def management_forms(*prefixes: str) -> dict[str, str]:
    data = {}
    for prefix in prefixes:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def partner_form_data(**overrides) -> dict[str, str]:
    data = {
        "legal_name": "Bancolombia S.A.",
        "display_name": "Bancolombia",
        "kind": Partner.Kind.RESELLER,
        "country": "CO",
        "tax_id": "890.903.938-8",
        "email": "alianzas@bancolombia.example",
        "phone": "604 510 9000",
        "city": "Medellín",
        "website": "",
        "tier": Partner.Tier.STANDARD,
        "default_currency": "COP",
        "commission_rate": "12.5",
        "joined_on": "",
        "account_manager": "",
        "payout_method": "",
        "iban": "",
        "bic": "",
        "paypal_email": "",
        "bank_name": "",
        "bank_account_number": "",
        "bank_account_type": "",
        **management_forms("contacts", "members", "api_keys"),
    }
    data.update(overrides)
    return data


def run_action(client, action: str, partners, **extra):
    data = {"action": action, "_selected_action": [p.pk for p in partners], **extra}
    if "confirm" not in extra:
        data["index"] = "0"
    return client.post(CHANGELIST, data, follow=True)


# List and search.


def test_changelist_shows_formatted_tax_id_and_status_badge(admin_client, partner):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert "890.903.938-8" in response.text
    assert "border-radius:8px" in response.text


def test_changelist_does_not_count_whole_table(admin_client):
    response = admin_client.get(CHANGELIST + "?q=Banco")

    assert response.context["cl"].show_full_result_count is False


@pytest.mark.parametrize("term", ["890.903.938-8", "8909039388", "890903938-8", "890.903"])
def test_search_finds_tax_id_with_dots(admin_client, partner, other_partner, term):
    response = admin_client.get(CHANGELIST, {"q": term})

    assert list(response.context["cl"].result_list) == [partner]


def test_search_finds_email(admin_client, partner, other_partner):
    response = admin_client.get(CHANGELIST, {"q": other_partner.email})

    assert list(response.context["cl"].result_list) == [other_partner]


def test_search_by_tax_id_keeps_list_filters(admin_client, partner):
    response = admin_client.get(CHANGELIST, {"q": "890.903.938-8", "status__exact": "terminated"})

    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize(
    "query",
    [
        {"status__exact": "active"},
        {"kind__exact": "affiliate"},
        {"country": "CO"},
        {"tier__exact": "standard"},
    ],
)
def test_list_filters_apply(admin_client, partner, query):
    PartnerFactory(
        status=Partner.Status.SUSPENDED,
        kind=Partner.Kind.AGENCY,
        country="CL",
        tax_id="76.086.428-5",
        tier=Partner.Tier.GOLD,
    )

    response = admin_client.get(CHANGELIST, query)

    assert list(response.context["cl"].result_list) == [partner]


def test_account_manager_filter_applies(admin_client, partner, staff_user):
    Partner.objects.filter(pk=partner.pk).update(account_manager=staff_user)
    PartnerFactory()

    response = admin_client.get(CHANGELIST, {"account_manager__id__exact": staff_user.pk})

    assert [p.pk for p in response.context["cl"].result_list] == [partner.pk]


# Autocomplete.


def test_partner_is_searchable_from_other_admins(admin_client, partner, other_partner):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "partners",
            "model_name": "partnercontact",
            "field_name": "partner",
            "term": "Bancol",
        },
    )

    assert [item["id"] for item in response.json()["results"]] == [str(partner.pk)]


def test_account_manager_autocomplete_offers_only_staff(admin_client, staff_user):
    UserFactory(username="stafflike", is_staff=False)

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "partners",
            "model_name": "partner",
            "field_name": "account_manager",
            "term": "staff",
        },
    )

    assert [item["id"] for item in response.json()["results"]] == [str(staff_user.pk)]


# Add and change forms.


def test_add_form_creates_partner_through_service(admin_client):
    response = admin_client.post(ADD, partner_form_data())

    assert response.status_code == 302
    partner = Partner.objects.get()
    assert partner.tax_id == "8909039388"
    assert partner.phone == "+576045109000"
    assert partner.status == Partner.Status.APPLICANT


def test_add_form_publishes_partner_created(admin_client, staff_user):
    admin_client.post(ADD, partner_form_data())

    event = OutboxEvent.objects.get(type="partner.created")
    assert event.payload["actor_id"] == staff_user.pk


def test_add_form_logs_addition(admin_client):
    admin_client.post(ADD, partner_form_data())

    partner = Partner.objects.get()
    assert LogEntry.objects.filter(object_id=str(partner.pk), action_flag=ADDITION).exists()


def test_add_form_rejects_invalid_tax_id(admin_client):
    response = admin_client.post(ADD, partner_form_data(tax_id="900.555.111-0"))

    assert response.status_code == 200
    assert "900.555.111-0 is not a valid NIT for CO." in response.text
    assert Partner.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_add_form_rejects_joined_on_year_9999(admin_client):
    response = admin_client.post(ADD, partner_form_data(joined_on="9999-12-31"))

    assert response.status_code == 200
    assert "joined_on" in response.context["adminform"].form.errors
    assert Partner.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        f"{CHANGELIST}?joined_on__year=9999",
        f"{CHANGELIST}?joined_on__year=9999&joined_on__month=12",
        f"{CHANGELIST}?joined_on__year=9999&joined_on__month=12&joined_on__day=31",
        f"{CHANGELIST}?joined_on__year=99999",
        reverse("admin:partners_apikey_changelist")
        + "?created_at__year=9999&created_at__month=12&created_at__day=31",
        reverse("admin:partners_partner_export") + "?joined_on__year=9999",
    ],
)
def test_date_hierarchy_out_of_range_redirects(admin_client, partner, url):
    response = admin_client.get(url)

    assert response.status_code in (200, 302)


def test_add_form_accepts_formatted_phone(admin_client):
    admin_client.post(ADD, partner_form_data(phone="+57 (604) 510 - 90 00"))

    assert Partner.objects.get().phone == "+576045109000"


def test_contact_inline_accepts_formatted_phone(admin_client, partner):
    data = partner_form_data(
        **{
            "contacts-TOTAL_FORMS": "1",
            "contacts-0-name": "Ana Ruiz",
            "contacts-0-phone": "+57 (300) 123 - 45 67",
        }
    )

    admin_client.post(change_url(partner), data)

    assert partner.contacts.get().phone == "+573001234567"


def test_add_form_ignores_posted_status(admin_client):
    admin_client.post(ADD, partner_form_data(status="active"))

    assert Partner.objects.get().status == Partner.Status.APPLICANT


def test_change_form_saves_through_update_service(admin_client, partner, staff_user, caplog):
    caplog.set_level("INFO", logger="partners.services")

    response = admin_client.post(
        change_url(partner), partner_form_data(tax_id=partner.tax_id, commission_rate="9.5")
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.commission_rate == Decimal("9.50")
    assert f"partner {partner.pk} updated by {staff_user.pk}" in caplog.messages[0]


def test_change_form_logs_changed_fields(admin_client, partner):
    admin_client.post(change_url(partner), partner_form_data(tax_id=partner.tax_id, city="Cali"))

    entry = LogEntry.objects.get(object_id=str(partner.pk), action_flag=CHANGE)
    assert "City" in entry.get_change_message()


def test_change_form_does_not_change_status(admin_client, partner):
    admin_client.post(
        change_url(partner), partner_form_data(tax_id=partner.tax_id, status="terminated")
    )

    partner.refresh_from_db()
    assert partner.status == Partner.Status.ACTIVE


def test_change_form_shows_status_read_only(admin_client, partner):
    response = admin_client.get(change_url(partner))

    assert 'name="status"' not in response.text
    assert "Active" in response.text


def test_change_form_lists_api_keys_without_secret(admin_client, partner):
    api_key, raw_key = issue_api_key(partner)

    response = admin_client.get(change_url(partner))

    assert api_key.prefix in response.text
    assert raw_key.split("_", 2)[2] not in response.text
    assert api_key.secret_hash not in response.text


def test_change_form_adds_contact_inline(admin_client, partner):
    data = partner_form_data(tax_id=partner.tax_id)
    data.update(
        {
            "contacts-TOTAL_FORMS": "1",
            "contacts-0-name": "Ana Ruiz",
            "contacts-0-role": "Billing",
            "contacts-0-email": "ana@bancolombia.example",
            "contacts-0-phone": "+57 310 555 0101",
        }
    )

    admin_client.post(change_url(partner), data)

    assert partner.contacts.get().phone == "+573105550101"


def test_change_form_adds_member_inline(admin_client, partner):
    user = UserFactory(username="ana")
    data = partner_form_data(tax_id=partner.tax_id)
    data.update({"members-TOTAL_FORMS": "1", "members-0-user": user.pk, "members-0-role": "admin"})

    admin_client.post(change_url(partner), data)

    assert partner.members.get().user == user


def test_member_inline_rejects_user_of_another_partner(admin_client, partner, other_member):
    data = partner_form_data(tax_id=partner.tax_id)
    data.update(
        {
            "members-TOTAL_FORMS": "1",
            "members-0-user": other_member.user.pk,
            "members-0-role": "admin",
        }
    )

    response = admin_client.post(change_url(partner), data)

    assert response.status_code == 200
    assert not partner.members.exists()
    other_member.refresh_from_db()
    assert other_member.partner_id != partner.pk


def test_partner_cannot_be_deleted_in_admin(admin_client, partner):
    response = admin_client.post(
        reverse("admin:partners_partner_delete", args=[partner.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Partner.objects.filter(pk=partner.pk).exists()


# Finance edits payout fields only.


def test_finance_sees_profile_fields_read_only(finance_client, partner):
    response = finance_client.get(change_url(partner))

    assert 'name="legal_name"' not in response.text
    assert 'name="iban"' in response.text


def test_finance_changes_payout_but_not_profile(finance_client, partner):
    response = finance_client.post(
        change_url(partner),
        {
            "legal_name": "Renamed S.A.",
            "payout_method": "paypal",
            "paypal_email": "pagos@bancolombia.example",
            "iban": "",
            "bic": "",
            "bank_name": "",
            "bank_account_number": "",
            "bank_account_type": "",
        },
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.paypal_email == "pagos@bancolombia.example"
    assert partner.legal_name == "Bancolombia S.A."


def test_finance_has_no_status_actions(finance_client, partner):
    response = finance_client.get(CHANGELIST)

    actions = admin.site.get_model_admin(Partner).get_actions(response.wsgi_request)
    assert "terminate" not in actions


def test_finance_cannot_run_status_action(finance_client, partner):
    run_action(finance_client, "terminate", [partner], confirm="yes")

    partner.refresh_from_db()
    assert partner.status == Partner.Status.ACTIVE


# Status actions.


def test_start_onboarding_action_moves_applicant(admin_client):
    applicant = PartnerFactory()

    response = run_action(admin_client, "start_onboarding", [applicant])

    applicant.refresh_from_db()
    assert applicant.status == Partner.Status.ONBOARDING
    assert messages_of(response) == [f"Onboarding started for 1 partner: {applicant}."]


def test_activate_action_publishes_event(admin_client):
    applicant = PartnerFactory()

    run_action(admin_client, "activate", [applicant])

    assert OutboxEvent.objects.filter(type="partner.activated").count() == 1


def test_activate_action_logs_status_change(admin_client):
    applicant = PartnerFactory()

    run_action(admin_client, "activate", [applicant])

    entry = LogEntry.objects.get(object_id=str(applicant.pk), action_flag=CHANGE)
    assert entry.change_message == "Status changed from Applicant to Active."


def test_activate_action_reports_each_partner(admin_client):
    applicant = PartnerFactory(legal_name="Aplicante S.A.S.", display_name="")
    terminated = PartnerFactory(
        legal_name="Cerrada S.A.S.", display_name="", status=Partner.Status.TERMINATED
    )

    response = run_action(admin_client, "activate", [applicant, terminated])

    assert messages_of(response) == [
        "Cerrada S.A.S. cannot be activated while its status is Terminated.",
        "Activated 1 partner: Aplicante S.A.S..",
    ]


def test_rejected_action_changes_nothing(admin_client):
    terminated = PartnerFactory(status=Partner.Status.TERMINATED)

    run_action(admin_client, "activate", [terminated])

    terminated.refresh_from_db()
    assert terminated.status == Partner.Status.TERMINATED
    assert not LogEntry.objects.filter(object_id=str(terminated.pk)).exists()
    assert not OutboxEvent.objects.filter(type="partner.activated").exists()


def test_history_page_shows_status_change(admin_client):
    applicant = PartnerFactory()
    run_action(admin_client, "activate", [applicant])

    response = admin_client.get(reverse("admin:partners_partner_history", args=[applicant.pk]))

    assert "Status changed from Applicant to Active." in response.text


def test_suspend_action_asks_for_confirmation_first(admin_client, partner):
    response = run_action(admin_client, "suspend", [partner])

    assert response.templates[0].name == "admin/partners/partner/status_change_confirmation.html"
    partner.refresh_from_db()
    assert partner.status == Partner.Status.ACTIVE


def test_suspend_action_confirmed_records_reason(admin_client, partner):
    run_action(admin_client, "suspend", [partner], confirm="yes", reason="Fraudulent clicks")

    partner.refresh_from_db()
    assert partner.status == Partner.Status.SUSPENDED
    event = OutboxEvent.objects.get(type="partner.suspended")
    assert event.payload["reason"] == "Fraudulent clicks"
    entry = LogEntry.objects.get(object_id=str(partner.pk), action_flag=CHANGE)
    assert entry.change_message == (
        "Status changed from Active to Suspended. Reason: Fraudulent clicks"
    )


def test_terminate_action_confirmed_revokes_keys(admin_client, partner):
    api_key, _raw_key = issue_api_key(partner)

    response = run_action(admin_client, "terminate", [partner], confirm="yes", reason="")

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert messages_of(response) == [f"Terminated 1 partner: {partner}."]


def test_terminate_action_rejects_terminated_partner(admin_client):
    terminated = PartnerFactory(
        display_name="", legal_name="Cerrada S.A.S.", status=Partner.Status.TERMINATED
    )

    response = run_action(admin_client, "terminate", [terminated], confirm="yes", reason="")

    assert messages_of(response) == [
        "Cerrada S.A.S. cannot be terminated while its status is Terminated."
    ]


# API keys.


def test_api_key_search_accepts_key_start(admin_client, partner):
    api_key, raw_key = issue_api_key(partner)
    issue_api_key(partner)

    response = admin_client.get(
        reverse("admin:partners_apikey_changelist"), {"q": raw_key[: len("hxb_") + 12 + 1]}
    )

    assert list(response.context["cl"].result_list) == [api_key]


def test_api_key_revoke_action_uses_service(admin_client, partner):
    api_key, _raw_key = issue_api_key(partner)

    admin_client.post(
        reverse("admin:partners_apikey_changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk], "index": "0"},
    )

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert OutboxEvent.objects.filter(type="api_key.revoked").count() == 1


def test_api_key_cannot_be_added_in_admin(admin_client):
    response = admin_client.get(reverse("admin:partners_apikey_add"))

    assert response.status_code == 403


def test_api_key_change_page_hides_secret_hash(admin_client, partner):
    api_key, _raw_key = issue_api_key(partner)

    response = admin_client.get(reverse("admin:partners_apikey_change", args=[api_key.pk]))

    assert api_key.secret_hash not in response.text
    assert ApiKey.objects.get().secret_hash == api_key.secret_hash


# Contacts and members.


def test_contact_list_searches_by_partner(admin_client, partner, other_partner):
    contact = PartnerContactFactory(partner=partner)
    PartnerContactFactory(partner=other_partner)

    response = admin_client.get(
        reverse("admin:partners_partnercontact_changelist"), {"q": "Bancolombia"}
    )

    assert list(response.context["cl"].result_list) == [contact]


def test_member_list_renders(admin_client, member):
    response = admin_client.get(reverse("admin:partners_partnermember_changelist"))

    assert list(response.context["cl"].result_list) == [member]


def test_staff_without_permissions_cannot_open_partner_list(client):
    client.force_login(StaffUserFactory(username="nobody", is_superuser=False))

    response = client.get(CHANGELIST)

    assert response.status_code == 403
