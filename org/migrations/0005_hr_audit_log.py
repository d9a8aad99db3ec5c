"""HR reads (and exports) the audit log of personal data."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("core")
    app_config.models_module = True  # the migration state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr = Group.objects.filter(name="HR").first()
    if hr is not None:
        hr.permissions.add(
            Permission.objects.get(content_type__app_label="core", codename="view_auditevent")
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="HR"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="core",
                                       codename="view_auditevent")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0004_staff_phone"),
        ("core", "0003_audit_log"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
