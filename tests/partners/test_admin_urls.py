"""Every URL of the partners admin handles hand-typed addresses without a server error."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import URLPattern

from partners.models import ApiKey, Partner, PartnerContact, PartnerMember
from tests.factories import PartnerContactFactory, PartnerMemberFactory, issue_api_key

pytestmark = pytest.mark.django_db

MODELS = (Partner, ApiKey, PartnerMember, PartnerContact)
BAD_OBJECT_IDS = ("abc", " ", "0", "-1", "1.5", "99999999999999999999", "1%00")
BAD_QUERIES = (
    "?foo=1",
    "?format=0",
    "?format=99",
    "?o=abc",
    "?o=99",
    "?p=abc",
    "?p=-1",
    "?q=%00",
    "?all=",
    "?_changelist_filters=foo%3D1",
    "?status__exact=nonsense",
    "?country__exact=ZZ",
    "?account_manager__id__exact=abc",
    "?revoked_at__isnull=maybe",
    "?is_primary__exact=maybe",
    "?role__exact=king",
)


def _admin_routes(model) -> list[str]:
    """Return the route of every URL the model's admin serves, relative to /admin/<app>/<model>/."""
    model_admin = admin.site._registry[model]
    return [
        str(pattern.pattern)
        for pattern in model_admin.get_urls()
        if isinstance(pattern, URLPattern)
    ]


def _urls(model) -> list[str]:
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    urls = []
    for route in _admin_routes(model):
        if "<path:object_id>" in route:
            urls += [base + route.replace("<path:object_id>", bad) for bad in BAD_OBJECT_IDS]
        elif "<" not in route:
            urls += [base + route + query for query in BAD_QUERIES]
    return urls


@pytest.fixture
def staff_client(client, staff_user, partner):
    # A row of every model, so list filters and lookups have something to work on.
    PartnerContactFactory(partner=partner)
    PartnerMemberFactory(partner=partner)
    issue_api_key(partner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.raise_request_exception = False
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_admin_urls_answer_bad_input_without_server_error(staff_client, model):
    failures = []
    for url in _urls(model):
        for method in (staff_client.get, staff_client.post):
            status = method(url).status_code
            if status >= 500:
                failures.append(f"{method.__name__.upper()} {url} {status}")

    assert failures == []


def test_invite_member_bad_id_is_not_found(staff_client):
    response = staff_client.get("/admin/partners/partner/abc/invite-member/")

    assert response.status_code == 404


def test_export_drops_unknown_parameters_with_warning(staff_client):
    response = staff_client.get("/admin/partners/partner/export/?foo=1", follow=True)

    assert response.redirect_chain == [("/admin/partners/partner/export/", 302)]
    assert [message.level_tag for message in response.context["messages"]] == ["warning"]


@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("/admin/partners/partner/", "start_onboarding"),
        ("/admin/partners/partner/", "activate"),
        ("/admin/partners/partner/", "suspend"),
        ("/admin/partners/partner/", "terminate"),
        ("/admin/partners/apikey/", "revoke"),
    ],
)
def test_action_with_bad_selection_changes_nothing(staff_client, partner, changelist, action):
    selection = [str(partner.pk), "abc", " ", "99999999999999999999"]
    data = {"action": action, "_selected_action": selection, "index": "0", "confirm": "yes"}

    response = staff_client.post(changelist, data)

    assert response.status_code == 302
    assert Partner.objects.get(pk=partner.pk).status == "active"
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()


def test_import_confirm_unknown_file_is_not_server_error(staff_client):
    data = {"import_file_name": "missing", "original_file_name": "partners.csv", "format": "0"}

    response = staff_client.post("/admin/partners/partner/process_import/", data)

    assert response.status_code == 302


def test_import_confirm_bad_format_is_not_server_error(staff_client):
    data = {"import_file_name": "missing", "original_file_name": "partners.csv", "format": "abc"}

    response = staff_client.post("/admin/partners/partner/process_import/", data)

    assert response.status_code == 302
