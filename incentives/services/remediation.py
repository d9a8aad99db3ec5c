"""The accountability loop: a complaint upheld (or partly upheld) with staff at
fault and tagged with a topic assigns the matching mandatory course to the
responsible employee, due in settings.REMEDIATION_DUE_DAYS days, linked to the
complaint (RemediationLink). Completing it on time is what the rule
"remediation completed on time" rewards at evaluation.

Once per complaint: a complaint that already has a remediation gets no second
one when it is edited or imported again. No matching course, no assignment.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext

from incentives.models import Complaint, RemediationLink
from training.models import Assignment, CoursePage
from training.services import assignment_create, due_after

UPHELD = (Complaint.Outcome.UPHELD, Complaint.Outcome.PARTLY_UPHELD)

#: Complaint topics use the law's name for consumer protection; courses don't.
COURSE_TOPIC = {
    Complaint.Topic.CONSUMER_PROTECTION_LAW: CoursePage.Topic.CONSUMER_PROTECTION,
    Complaint.Topic.FINANCIAL_KNOWLEDGE: CoursePage.Topic.FINANCIAL_KNOWLEDGE,
    Complaint.Topic.CREDIT_REPORTING: CoursePage.Topic.CREDIT_REPORTING,
    Complaint.Topic.COMPLAINT_HANDLING: CoursePage.Topic.COMPLAINT_HANDLING,
    Complaint.Topic.OTHER: CoursePage.Topic.OTHER,
}


def needs_remediation(complaint: Complaint) -> bool:
    return bool(
        complaint.outcome in UPHELD
        and complaint.staff_at_fault
        and complaint.responsible_staff_id
        and complaint.topic
    )


def remediation_course_for(topic: str, courses: list[CoursePage]) -> CoursePage | None:
    wanted = COURSE_TOPIC.get(topic)
    return next((c for c in courses if c.topic == wanted), None)


def remediations_assign(complaints: Iterable[Complaint], *, by=None) -> list:
    """Assign the remediation course of each complaint that needs one and has
    none yet. Precondition: inside the transaction that wrote the complaints."""
    due = [c for c in complaints if c.pk and needs_remediation(c)]
    if not due:
        return []
    done = set(
        RemediationLink.objects.filter(complaint__in=due).values_list(
            "complaint_id", flat=True
        )
    )
    due = [c for c in due if c.pk not in done]
    if not due:
        return []
    courses = list(
        CoursePage.objects.live()
        .filter(mandatory=True, topic__in={COURSE_TOPIC.get(c.topic) for c in due})
        .order_by("path")
    )
    links = []
    for complaint in due:
        course = remediation_course_for(complaint.topic, courses)
        if course is None:
            continue
        assignment = assignment_create(
            staff=complaint.responsible_staff,
            course=course,
            due_at=due_after(settings.REMEDIATION_DUE_DAYS),
            source=Assignment.Source.REMEDIATION,
            assigned_by=by,
            reason=gettext("Remediation after complaint %(ref)s")
            % {"ref": complaint.reference_no},
        )
        links.append(
            RemediationLink.objects.create(complaint=complaint, assignment=assignment)
        )
    return links
