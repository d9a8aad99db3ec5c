"""Create the role groups of DESIGN.md with their permissions.

Later apps add their own permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEARNER, MANAGER, TRAINER, HR = "Learner", "Manager", "Trainer", "HR"

HR_ORG_PERMISSIONS = [
    "add_department", "change_department", "view_department",
    "add_staffprofile", "change_staffprofile", "view_staffprofile",
]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now.
    app_config = apps.get_app_config("org")
    app_config.models_module = True  # the migration state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {name: Group.objects.get_or_create(name=name)[0]
              for name in (LEARNER, MANAGER, TRAINER, HR)}
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    groups[TRAINER].permissions.add(access_admin)
    groups[HR].permissions.add(access_admin)
    groups[HR].permissions.add(
        *Permission.objects.filter(
            content_type__app_label="org", codename__in=HR_ORG_PERMISSIONS
        )
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=(LEARNER, MANAGER, TRAINER, HR)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
