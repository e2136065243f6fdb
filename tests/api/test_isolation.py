"""Every partner-facing route hides other partners' data and refuses writes by read keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hexabuilders.api.views import PartnerScopedMixin
from tests.api.routes import api_routes, make_object, snapshot

ROUTES = api_routes()
DETAIL_CASES = [
    pytest.param(route, method, id=f"{method.upper()} {route}")
    for route in ROUTES
    if route.is_detail
    for method in route.methods
]
LIST_ROUTES = [
    pytest.param(route, id=str(route))
    for route in ROUTES
    if not route.is_detail and "get" in route.methods and route.view_class.pagination_class
]
WRITE_CASES = [
    pytest.param(route, method, id=f"{method.upper()} {route}")
    for route in ROUTES
    for method in route.write_methods
]
CREATE_ROUTES = [
    pytest.param(route, id=str(route))
    for route in ROUTES
    if not route.is_detail and "post" in route.methods
]


def request(client, method: str, url: str, data: dict | None = None):
    return client.generic(method.upper(), url, data=data or {}, format="json")


def test_api_routes_are_found():
    names = {route.name for route in ROUTES}
    assert {"partners-api:partner-profile", "partners-api:contact-detail"} <= names


@pytest.mark.parametrize("route", [pytest.param(route, id=str(route)) for route in ROUTES])
def test_api_view_is_partner_scoped(route):
    assert issubclass(route.view_class, PartnerScopedMixin)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), DETAIL_CASES)
def test_detail_route_hides_other_partners_object(api, other_partner, route, method):
    foreign = make_object(route.model, other_partner)
    before = snapshot(foreign)
    url = reverse(route.name, kwargs={"pk": foreign.pk})

    response = request(api, method, url)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert snapshot(foreign) == before


@pytest.mark.django_db
@pytest.mark.parametrize("route", LIST_ROUTES)
def test_list_route_shows_only_own_objects(api, partner, other_partner, route):
    own = make_object(route.model, partner)
    foreign = make_object(route.model, other_partner)

    response = api.get(reverse(route.name), {"page_size": 200})

    # Ids are compared as text because UUID keys arrive as strings in JSON.
    ids = {str(row["id"]) for row in response.json()["results"]}
    assert response.status_code == 200
    assert str(own.pk) in ids
    assert str(foreign.pk) not in ids


@pytest.mark.django_db
@pytest.mark.parametrize("route", CREATE_ROUTES)
def test_create_route_rejects_partner_field(api, other_partner, route):
    count = route.model.objects.count()

    response = api.post(reverse(route.name), {"partner": other_partner.pk}, format="json")

    assert response.status_code == 400
    assert "partner" in response.json()["error"]["fields"]
    assert route.model.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), WRITE_CASES)
def test_read_key_cannot_write(read_api, partner, route, method):
    kwargs = {}
    own = None
    if route.is_detail:
        own = make_object(route.model, partner)
        kwargs = {"pk": own.pk}
    before = snapshot(own) if own is not None else None
    count = route.model.objects.count()

    response = request(read_api, method, reverse(route.name, kwargs=kwargs), {"name": "Changed"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"
    assert route.model.objects.count() == count
    if own is not None:
        assert snapshot(own) == before
