"""Signal receivers: thin, each calls a service after the transaction commits."""

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from org.signals import staff_changed
from training import services
from training.models import CoursePage


@receiver(page_published, sender=CoursePage, dispatch_uid="training_course_published")
def assign_published_course(sender, instance, **kwargs):
    course_pk = instance.pk
    transaction.on_commit(
        lambda: services.assignments_sync_course(
            course=CoursePage.objects.get(pk=course_pk)
        )
    )


@receiver(staff_changed, dispatch_uid="training_staff_changed")
def assign_courses_to_changed_staff(sender, staff_ids, **kwargs):
    services.assignments_sync_staff(staff_ids=staff_ids)
