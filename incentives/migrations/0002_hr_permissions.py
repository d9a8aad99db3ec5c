"""HR keeps the complaint ledger: add, change and view complaints, and view who
opened them. Trainers, managers and learners get nothing here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HR = "HR"
HR_PERMISSIONS = [
    "add_complaint", "change_complaint", "view_complaint",
    "view_complaintviewlog",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now.
    app_config = apps.get_app_config("incentives")
    app_config.models_module = True  # the migration state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr, _created = Group.objects.get_or_create(name=HR)
    hr.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="incentives", codename__in=HR_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=HR):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="incentives", codename__in=HR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0001_complaints"),
        ("org", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
