"""Signal receivers: thin, each calls a service."""

from django.dispatch import receiver
from wagtail.signals import page_published

from org.signals import staff_changed
from training import services
from training.models import CoursePage


@receiver(page_published, sender=CoursePage, dispatch_uid="training_course_published")
def assign_published_course(sender, instance, **kwargs):
    # In the publishing transaction: the course is live and its audience is
    # assigned together, or neither.
    services.assignments_sync_course(course=instance)


@receiver(staff_changed, dispatch_uid="training_staff_changed")
def assign_courses_to_changed_staff(sender, staff_ids, **kwargs):
    # org sends this after its transaction committed.
    services.assignments_sync_staff(staff_ids=staff_ids)
