"""The staff groups that the partners migration creates, and what each may do in the admin."""

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
staff_groups = importlib.import_module("partners.migrations.0002_staff_groups")

EXPECTED = {
    "Partner managers": {
        "partners.add_partner",
        "partners.change_partner",
        "partners.view_partner",
        "partners.change_partner_status",
        "partners.add_partnercontact",
        "partners.change_partnercontact",
        "partners.delete_partnercontact",
        "partners.view_partnercontact",
        "partners.add_partnermember",
        "partners.change_partnermember",
        "partners.delete_partnermember",
        "partners.view_partnermember",
        "partners.change_apikey",
        "partners.view_apikey",
    },
    "Legal": {"partners.view_partner", "partners.view_partnercontact"},
    "Recruiters": {"partners.view_partner"},
    "Campaign managers": {"partners.view_partner"},
    "Finance": {"partners.view_partner", "partners.change_partner"},
    "Read-only support": {
        "partners.view_partner",
        "partners.view_partnercontact",
        "partners.view_partnermember",
        "partners.view_apikey",
        "hexabuilders.view_outboxevent",
        "hexabuilders.view_handlerdelivery",
        "hexabuilders.view_deadletter",
    },
}


def partner_permissions(group: Group) -> set[str]:
    """Return the group's permissions in the partners and hexabuilders apps.

    Other apps add their own permissions to the same groups; those are not checked here.
    """
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.filter(
            content_type__app_label__in=["partners", "hexabuilders"]
        ).values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_staff_group_has_expected_permissions(name):
    group = Group.objects.get(name=name)

    assert partner_permissions(group) == EXPECTED[name]


def test_status_permission_exists_for_partner():
    permission = Permission.objects.get(codename="change_partner_status")

    assert permission.content_type.model_class().__name__ == "Partner"


def test_removing_groups_then_creating_them_again_restores_them():
    editor = SimpleNamespace(connection=connection)

    staff_groups.delete_groups(apps, editor)
    assert not Group.objects.filter(name__in=EXPECTED).exists()
    assert not Permission.objects.filter(codename="change_partner_status").exists()

    staff_groups.create_groups(apps, editor)
    assert (
        partner_permissions(Group.objects.get(name="Partner managers"))
        == (EXPECTED["Partner managers"])
    )


def test_creating_groups_twice_is_harmless():
    staff_groups.create_groups(apps, SimpleNamespace(connection=connection))

    assert Group.objects.filter(name="Finance").count() == 1


@pytest.mark.parametrize(
    ("group", "url_name", "status"),
    [
        ("Legal", "admin:partners_partnercontact_changelist", 200),
        ("Legal", "admin:partners_apikey_changelist", 403),
        ("Recruiters", "admin:partners_partner_changelist", 200),
        ("Recruiters", "admin:partners_partnercontact_changelist", 403),
        ("Read-only support", "admin:partners_apikey_changelist", 200),
        ("Partner managers", "admin:partners_partner_add", 200),
        ("Finance", "admin:partners_partner_add", 403),
        ("Partner managers", "admin:partners_partner_import", 200),
        ("Finance", "admin:partners_partner_import", 403),
        ("Read-only support", "admin:partners_partner_import", 403),
        ("Read-only support", "admin:partners_partner_export", 200),
    ],
)
def test_group_member_reaches_only_allowed_pages(client, group, url_name, status):
    user = UserFactory(username=f"staff-{group.lower().replace(' ', '-')}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)

    response = client.get(reverse(url_name))

    assert response.status_code == status


def test_partner_manager_may_run_status_actions(client):
    user = UserFactory(username="manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Partner managers"))

    assert user.has_perm("partners.change_partner_status")


def test_read_only_support_cannot_change_partners():
    user = UserFactory(username="support", is_staff=True)
    user.groups.add(Group.objects.get(name="Read-only support"))

    assert not user.has_perm("partners.change_partner")


def test_staff_groups_migration_reverses_and_reapplies_on_sqlite(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        HEXA_TESTING="true",
        HEXA_IGNORE_DOTENV="true",
        HEXA_SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    count_groups = (
        "from django.contrib.auth.models import Group; "
        f"print(Group.objects.filter(name__in={sorted(EXPECTED)!r}).count())"
    )

    def manage(*args: str) -> str:
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return completed.stdout.strip()

    manage("migrate", "-v", "0")
    assert manage("shell", "-v", "0", "-c", count_groups) == "6"
    manage("migrate", "partners", "0001", "-v", "0")
    assert manage("shell", "-v", "0", "-c", count_groups) == "0"
    manage("migrate", "-v", "0")
    assert manage("shell", "-v", "0", "-c", count_groups) == "6"
