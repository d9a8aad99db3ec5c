"""Trainers keep the question bank: add, change, view and publish questions
(and lock/unlock them while editing), add, change and view categories. They do
not delete; HR gets nothing here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRAINER = "Trainer"
DEFAULT_PERMISSIONS = [
    "add_question", "change_question", "view_question",
    "add_questioncategory", "change_questioncategory", "view_questioncategory",
]
# Wagtail creates these after migrations (post_migrate); make them now.
SNIPPET_PERMISSIONS = {
    "publish_question": "Can publish question",
    "lock_question": "Can lock question",
    "unlock_question": "Can unlock question",
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("quizzes")
    app_config.models_module = True  # the migration state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    question_type, _ = ContentType.objects.get_or_create(
        app_label="quizzes", model="question"
    )
    for codename, name in SNIPPET_PERMISSIONS.items():
        Permission.objects.get_or_create(
            content_type=question_type, codename=codename, defaults={"name": name}
        )
    trainer, _ = Group.objects.get_or_create(name=TRAINER)
    trainer.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="quizzes",
            codename__in=[*DEFAULT_PERMISSIONS, *SNIPPET_PERMISSIONS],
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    trainer = Group.objects.filter(name=TRAINER).first()
    if trainer is not None:
        trainer.permissions.remove(
            *Permission.objects.filter(content_type__app_label="quizzes")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("org", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
