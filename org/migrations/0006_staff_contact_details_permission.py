"""Staff e-mail addresses and phone numbers are HR's alone: a permission of their
own, granted to HR, that the staff screens and exports check."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME = "view_contact_details"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("org")
    app_config.models_module = True  # the migration state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr = Group.objects.filter(name="HR").first()
    if hr is not None:
        hr.permissions.add(
            Permission.objects.get(content_type__app_label="org", codename=CODENAME)
        )


def revoke(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="org", codename=CODENAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_hr_audit_log"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="staffprofile",
            options={
                "ordering": ["employee_no"],
                "permissions": [
                    (CODENAME, "Can see staff e-mail addresses and phones"),
                ],
                "verbose_name": "staff member",
                "verbose_name_plural": "staff",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
