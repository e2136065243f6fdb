"""/api/v1/members/: the partner's members, read-only."""

from __future__ import annotations

import pytest

from partners.models import PartnerMember

MEMBERS_URL = "/api/v1/members/"


@pytest.mark.django_db
def test_list_members_shows_email_name_and_role(api, member):
    member.user.first_name, member.user.last_name = "Ana", "Ruiz"
    member.user.save()

    body = api.get(MEMBERS_URL).json()

    assert body["results"] == [
        {
            "id": member.pk,
            "email": "ana@bancolombia.example",
            "name": "Ana Ruiz",
            "role": "owner",
            "created_at": body["results"][0]["created_at"],
        }
    ]


@pytest.mark.django_db
def test_retrieve_member(api, member):
    response = api.get(f"{MEMBERS_URL}{member.pk}/")

    assert response.status_code == 200
    assert response.json()["email"] == "ana@bancolombia.example"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix"), [("post", ""), ("put", "{pk}/"), ("patch", "{pk}/"), ("delete", "{pk}/")]
)
def test_members_cannot_be_written(api, member, method, suffix):
    url = MEMBERS_URL + suffix.format(pk=member.pk)

    response = api.generic(method.upper(), url, data={"role": "viewer"}, format="json")

    assert response.status_code == 405
    assert PartnerMember.objects.get(pk=member.pk).role == "owner"
