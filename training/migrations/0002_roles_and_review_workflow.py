"""Permissions of the training roles and the course review workflow.

- Trainer: edit pages of the training site (add, change, lock — not publish:
  publishing goes through review), upload and choose images and documents,
  assign courses and see assignments.
- HR: assign courses and see assignments.
- The workflow on the whole page tree: one step, "review by another trainer",
  approved by a member of the Trainer group who is not the submitter
  (training.models.TrainerReviewTask). Approval publishes, or schedules the
  publication when the revision carries a go-live date.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRAINER, HR = "Trainer", "HR"
PAGE_PERMISSIONS = ["add_page", "change_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}
ASSIGNMENT_PERMISSIONS = ["add_assignment", "view_assignment"]
WORKFLOW_NAME = "培训内容审核"
TASK_NAME = "另一位培训专员审核"


def _permissions(apps, app_label, codenames):
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    return list(
        Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    )


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    TrainerReviewTask = apps.get_model("training", "TrainerReviewTask")

    trainer, _ = Group.objects.get_or_create(name=TRAINER)
    hr, _ = Group.objects.get_or_create(name=HR)

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        for permission in _permissions(apps, "wagtailcore", PAGE_PERMISSIONS):
            GroupPagePermission.objects.get_or_create(
                group=trainer, page=root, permission=permission
            )
    root_collection = Collection.objects.filter(depth=1).order_by("path").first()
    if root_collection is not None:
        for app_label, codenames in COLLECTION_PERMISSIONS.items():
            for permission in _permissions(apps, app_label, codenames):
                GroupCollectionPermission.objects.get_or_create(
                    group=trainer, collection=root_collection, permission=permission
                )
    assignment_permissions = _permissions(apps, "training", ASSIGNMENT_PERMISSIONS)
    trainer.permissions.add(*assignment_permissions)
    hr.permissions.add(*assignment_permissions)

    task_type, _ = ContentType.objects.get_or_create(
        app_label="training", model="trainerreviewtask"
    )
    task = TrainerReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = TrainerReviewTask.objects.create(
            name=TASK_NAME, content_type=task_type, active=True
        )
    task.groups.add(trainer)
    workflow, _ = Workflow.objects.get_or_create(
        name=WORKFLOW_NAME, defaults={"active": True}
    )
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, sort_order=0)
    if root is not None:
        WorkflowPage.objects.update_or_create(
            page=root, defaults={"workflow": workflow}
        )


def backwards(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(
        name=WORKFLOW_NAME
    ).delete()
    apps.get_model("training", "TrainerReviewTask").objects.filter(
        name=TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("org", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
