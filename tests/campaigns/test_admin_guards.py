"""The campaigns admin handles hand-typed addresses and forms without a server error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern
from django.utils import timezone

from campaigns import services
from campaigns.models import (
    AdSpend,
    Alert,
    AlertRule,
    Campaign,
    Click,
    Conversion,
    Enrollment,
    TrackingLink,
)
from tests.campaigns.makers import make_conversion

pytestmark = pytest.mark.django_db

MODELS = (Campaign, Enrollment, TrackingLink, Click, Conversion, AdSpend, Alert, AlertRule)
BAD_OBJECT_IDS = ("abc", " ", "0", "-1", "1.5", "99999999999999999999", "1%00", "not-a-uuid")
BAD_QUERIES = (
    "?foo=1",
    "?o=abc",
    "?p=abc",
    "?q=%00",
    "?status=zzz",
    "?partner=abc",
    "?campaign__id__exact=abc",
    "?partner__id__exact=1.5",
    "?created_at__gte=abc",
    "?created_at__year=abc",
    "?hour__year=99999",
    "?hour__year=9999",
    "?hour__year=9999&hour__month=12&hour__day=31",
    "?day__year=9999&day__month=12",
    "?format=99",
)
SELECTION_WARNING = (
    "The selection contains an id that is not valid, so the action was not run. "
    "Select the items in the list again."
)
FILTER_WARNING = (
    "The filters in the address are not valid, so they were removed and the export "
    "includes every row. Filter the list again, then export."
)
CHOICE_WARNING = (
    "The import confirmation contains a format or resource that is not valid, so nothing "
    "was imported. Upload the file again."
)
MISSING_FILE_WARNING = (
    "The uploaded file is no longer available, so nothing was imported. It may have been "
    "imported already: check the list before you upload it again."
)
REPORT_HEADER = "Date;Campaign;Impressions;Clicks;Cost;Currency\r\n"


@pytest.fixture
def conversion(partner):
    return make_conversion(partner)


@pytest.fixture
def campaign(conversion):
    return Campaign.objects.get(pk=conversion.campaign_id)


@pytest.fixture
def rows(campaign):
    """A row of every campaigns model, so lists, filters and actions have something to act on."""
    rule = AlertRule.objects.create(campaign=campaign, metric="clicks_drop", threshold=50)
    Alert.objects.create(
        campaign=campaign,
        rule=rule,
        kind=Alert.Kind.THRESHOLD,
        metric="clicks_drop",
        hour=timezone.now(),
        value=Decimal("1"),
        message="Clicks dropped.",
    )
    AdSpend.objects.create(
        campaign=campaign,
        day=dt.date(2026, 11, 2),
        source="google",
        impressions=2000,
        cost=Decimal("150"),
        currency="COP",
    )


@pytest.fixture
def staff_client(client, staff_user):
    # English, so assertions on messages hold once the Spanish catalog translates them.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(staff_user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _urls(model) -> list[str]:
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    urls = []
    for pattern in admin.site._registry[model].get_urls():
        if not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        if "<path:object_id>" in route:
            urls += [base + route.replace("<path:object_id>", bad) for bad in BAD_OBJECT_IDS]
        elif "<" not in route:
            urls += [base + route + query for query in BAD_QUERIES]
    return urls


def _upload_report(client, campaign):
    """Upload a one-row report and return the confirmation form's hidden values."""
    report = f"{REPORT_HEADER}02/11/2026;{campaign.pk};10;2;1500;COP\r\n"
    response = client.post(
        "/admin/campaigns/adspend/import/",
        {"format": "0", "import_file": SimpleUploadedFile("report.csv", report.encode())},
    )
    form = response.context["confirm_form"]
    return {name: str(form.initial[name]) for name in ("import_file_name", "original_file_name")}


# Every page.


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_admin_url_bad_input_no_server_error(staff_client, rows, model):
    staff_client.raise_request_exception = False
    failures = []
    for url in _urls(model):
        for method in (staff_client.get, staff_client.post):
            status = method(url).status_code
            if status >= 500:
                failures.append(f"{method.__name__.upper()} {url} {status}")

    assert failures == []


# Date hierarchy past year 9999.


@pytest.mark.parametrize(
    "query",
    [
        "hour__year=9999",
        "hour__year=9999&hour__month=12",
        "hour__year=9999&hour__month=12&hour__day=31",
    ],
)
def test_alert_list_date_past_9999_redirects(staff_client, rows, query):
    response = staff_client.get(f"/admin/campaigns/alert/?{query}")

    assert response.url == "/admin/campaigns/alert/?e=1"


def test_ad_spend_list_day_past_9999_redirects(staff_client, rows):
    response = staff_client.get(
        "/admin/campaigns/adspend/?day__year=9999&day__month=12&day__day=31"
    )

    assert response.url == "/admin/campaigns/adspend/?e=1"


# Autocomplete list filters with an id of the wrong type.


@pytest.mark.parametrize("model", ["click", "conversion", "enrollment"])
@pytest.mark.parametrize("query", ["campaign__id__exact=abc", "partner__id__exact=1.5"])
def test_autocomplete_filter_bad_id_redirects(staff_client, rows, model, query):
    response = staff_client.get(f"/admin/campaigns/{model}/?{query}")

    assert response.url == f"/admin/campaigns/{model}/?e=1"


# Actions with an id of the wrong type.


@pytest.mark.parametrize(
    ("model", "action"),
    [
        ("campaign", "launch"),
        ("enrollment", "approve"),
        ("alert", "acknowledge"),
        ("alertrule", "delete_selected"),
        ("adspend", "delete_selected"),
        ("adspend", "export_admin_action"),
    ],
)
def test_action_bad_id_warns(staff_client, rows, model, action):
    data = {"action": action, "_selected_action": ["abc"], "index": "0"}

    response = staff_client.post(f"/admin/campaigns/{model}/", data, follow=True)

    assert SELECTION_WARNING in _messages(response)


def test_action_bad_id_changes_nothing(staff_client):
    draft = services.create_campaign(
        actor=None, name="Idea", kind="cpa", landing_url="https://shop.example.com/"
    )
    data = {"action": "launch", "_selected_action": [str(draft.pk), "abc"], "index": "0"}

    staff_client.post("/admin/campaigns/campaign/", data)

    assert Campaign.objects.get(pk=draft.pk).status == Campaign.Status.DRAFT


# Autocomplete form fields with an id of the wrong type.


def test_alert_rule_form_bad_campaign_shows_error(staff_client):
    data = {"campaign": "abc", "metric": "clicks_drop", "threshold": "50"}

    response = staff_client.post("/admin/campaigns/alertrule/add/", data)

    assert "campaign" in response.context["adminform"].form.errors


def test_ad_spend_form_bad_campaign_shows_error(staff_client):
    data = {
        "campaign": "abc",
        "day": "2026-11-02",
        "source": "google",
        "impressions": "1",
        "clicks": "1",
        "cost": "1",
        "currency": "COP",
    }

    response = staff_client.post("/admin/campaigns/adspend/add/", data)

    assert "campaign" in response.context["adminform"].form.errors


def test_enrollment_inline_bad_partner_shows_error(staff_client):
    data = {
        "name": "Navidad",
        "kind": "cpa",
        "currency": "COP",
        "landing_url": "https://shop.example.com/navidad",
        "allowed_domains": "[]",
        "payout_amount": "5000",
        "payout_percent": "0",
        "attribution_window_days": "30",
        "unique_click_window_hours": "24",
        "fraud_mode": "flag",
        "min_click_to_conversion_seconds": "10",
        "max_conversions_per_ip_per_day": "5",
        "audience-TOTAL_FORMS": "0",
        "audience-INITIAL_FORMS": "0",
        "enrollments-TOTAL_FORMS": "1",
        "enrollments-INITIAL_FORMS": "0",
        "enrollments-0-partner": "abc",
    }

    response = staff_client.post("/admin/campaigns/campaign/add/", data)

    assert response.context["inline_admin_formsets"][1].formset.errors[0].keys() == {"partner"}


# Autocomplete search.


def test_campaign_autocomplete_nul_term_finds_nothing(staff_client, campaign):
    query = {"app_label": "campaigns", "model_name": "click", "field_name": "campaign"}

    response = staff_client.get("/admin/autocomplete/", {**query, "term": "Temporada\x00"})

    assert response.json()["results"] == []


# Ad-spend export and import.


@pytest.mark.parametrize(
    "query", ["foo=1", "campaign__id__exact=abc", "day__year=9999&day__month=12&day__day=31"]
)
def test_ad_spend_export_bad_filter_warns(staff_client, rows, query):
    response = staff_client.get(f"/admin/campaigns/adspend/export/?{query}", follow=True)

    assert FILTER_WARNING in _messages(response)


@pytest.mark.parametrize(
    "choices",
    [{"format": "abc"}, {"format": "99"}, {"format": "0", "resource": "9"}],
    ids=["format-abc", "format-99", "resource-9"],
)
def test_ad_spend_confirm_bad_choice_warns(staff_client, campaign, choices):
    data = {**_upload_report(staff_client, campaign), **choices}

    response = staff_client.post("/admin/campaigns/adspend/process_import/", data, follow=True)

    assert CHOICE_WARNING in _messages(response)


def test_ad_spend_confirm_unknown_file_warns(staff_client):
    data = {"import_file_name": "missing", "original_file_name": "report.csv", "format": "0"}

    response = staff_client.post("/admin/campaigns/adspend/process_import/", data, follow=True)

    assert MISSING_FILE_WARNING in _messages(response)


def test_ad_spend_confirm_twice_warns(staff_client, campaign):
    data = {**_upload_report(staff_client, campaign), "format": "0"}
    staff_client.post("/admin/campaigns/adspend/process_import/", data)

    response = staff_client.post("/admin/campaigns/adspend/process_import/", data, follow=True)

    assert MISSING_FILE_WARNING in _messages(response)


def test_ad_spend_confirm_twice_imports_once(staff_client, campaign):
    data = {**_upload_report(staff_client, campaign), "format": "0"}
    staff_client.post("/admin/campaigns/adspend/process_import/", data)

    staff_client.post("/admin/campaigns/adspend/process_import/", data)

    assert AdSpend.objects.filter(campaign=campaign).count() == 1
