"""Give the staff groups their permissions on campaign models.

Campaign managers add, change and view every campaign model; Read-only support
and Finance view them. The groups themselves come from the partners app's
migration. As there, ``create_permissions`` makes the model permissions first,
because Django creates them only after every migration has run.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = (
    "campaign",
    "audience",
    "enrollment",
    "trackinglink",
    "click",
    "conversion",
    "exchangerate",
    "dailyspend",
    "metricbucket",
    "adspend",
    "alertrule",
    "alert",
)

# Group name -> permission prefixes on every model in MODELS.
GROUP_ACTIONS = {
    "Campaign managers": ("add", "change", "view"),
    "Read-only support": ("view",),
    "Finance": ("view",),
}


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    create_permissions(global_apps.get_app_config("campaigns"), verbosity=0, using=using, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, actions in GROUP_ACTIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=group_name)
        codenames = [f"{action}_{model}" for action in actions for model in MODELS]
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="campaigns", codename__in=codenames
        )
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.using(using).filter(name__in=GROUP_ACTIONS):
        group.permissions.remove(
            *Permission.objects.using(using).filter(content_type__app_label="campaigns")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_fold_status"),
        ("partners", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
