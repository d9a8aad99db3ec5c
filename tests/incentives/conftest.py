"""Complaint fixtures on top of the shared bank (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core import demo
from incentives import services
from incentives.models import Complaint
from org.demo import load_org

TZ = timezone.get_default_timezone()


def local(*args) -> dt.datetime:
    """An aware date-time in the bank's time zone (Asia/Shanghai)."""
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def make_complaint(bank, learner):
    """Create a complaint through the service; defaults give a valid open one
    received three days ago at the outlet O1."""
    numbers = iter(range(1, 100_000))

    def make(**overrides) -> Complaint:
        received = timezone.localtime() - dt.timedelta(days=3)
        fields = {
            "reference_no": f"TS-{next(numbers):05d}",
            "received_at": received.replace(second=0, microsecond=0),
            "channel": Complaint.Channel.PHONE,
            "department": bank.o1,
            "category": "银行卡",
            "summary": "客户反映柜台办理业务等候时间过长。",
        }
        fields.update(overrides)
        return services.complaint_create(**fields)

    return make


def snapshot():
    """Everything a complaint write may touch, to prove that nothing changed."""
    return sorted(
        Complaint.objects.values_list(
            "reference_no",
            "received_at",
            "channel",
            "category",
            "department__code",
            "responsible_staff__employee_no",
            "handler__employee_no",
            "status",
            "resolved_at",
            "deadline_at",
            "outcome",
            "staff_at_fault",
            "customer_satisfied",
            "escalated",
            "topic",
            "law_article",
            "summary",
            "extended_at",
            "extension_reason",
            "approved_deadline_at",
            "approval_note",
        )
    )


@pytest.fixture
def demo_bank(db, settings):
    """The demo organisation, as load_demo makes it."""
    settings.DEMO_PASSWORD = "Demo-Password-42"
    context = demo.DemoContext(
        password=settings.DEMO_PASSWORD, password_source="test", log=lambda _m: None
    )
    load_org(context)
    return context
