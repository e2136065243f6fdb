"""Create the staff groups and the permission to change a partner's status.

Group names are stored in English because ``Group.name`` cannot be translated:
Partner managers, Legal, Recruiters, Campaign managers, Finance and Read-only
support. Other apps add their own permissions to these groups in their migrations.

Django creates model permissions in its post_migrate signal, after every
migration has run, so on a fresh database they do not exist yet when this runs;
``create_permissions`` makes them here first. It skips permissions that exist.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

STATUS_PERMISSION = ("change_partner_status", "Can change partner status")

# Group name -> "app_label.codename" permissions.
GROUP_PERMISSIONS = {
    "Partner managers": [
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
    ],
    "Legal": [
        "partners.view_partner",
        "partners.view_partnercontact",
    ],
    "Recruiters": [
        "partners.view_partner",
    ],
    "Campaign managers": [
        "partners.view_partner",
    ],
    # Finance may change partners, but the admin lets it edit only the payout fields.
    "Finance": [
        "partners.view_partner",
        "partners.change_partner",
    ],
    "Read-only support": [
        "partners.view_partner",
        "partners.view_partnercontact",
        "partners.view_partnermember",
        "partners.view_apikey",
        "hexabuilders.view_outboxevent",
        "hexabuilders.view_handlerdelivery",
        "hexabuilders.view_deadletter",
    ],
}


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    for app_label in ("partners", "hexabuilders"):
        create_permissions(
            global_apps.get_app_config(app_label), verbosity=0, using=using, apps=apps
        )

    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    partner_type = ContentType.objects.db_manager(using).get(app_label="partners", model="partner")
    codename, name = STATUS_PERMISSION
    Permission.objects.using(using).get_or_create(
        content_type=partner_type, codename=codename, defaults={"name": name}
    )

    for group_name, permission_names in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=group_name)
        permissions = []
        for permission_name in permission_names:
            app_label, codename = permission_name.split(".")
            permissions.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.add(*permissions)


def delete_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.using(using).filter(name__in=GROUP_PERMISSIONS).delete()
    Permission.objects.using(using).filter(
        content_type__app_label="partners", codename=STATUS_PERMISSION[0]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("hexabuilders", "0001_initial"),
        ("partners", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
