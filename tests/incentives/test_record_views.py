"""The learner's "my record": own approved and pending entries only, with
reasons, per-period totals (approved only) and evidence; other people's
entries answer 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incentives.models import EntryKind
from incentives.services import ledger as ledger_services
from tests import factories
from tests.conftest import client_for
from tests.incentives import ledger_factories

RECORD = reverse("incentives:record")


def entry_url(entry) -> str:
    return reverse("incentives:record_entry", args=[entry.pk])


@pytest.fixture
def reviewer(bank):
    return factories.staff(department=bank.hr_dept, employee_no="H900", role="HR")


@pytest.fixture
def record(learner, other_learner, reviewer):
    """The learner: an approved reward and penalty in 2026-10, a pending reward
    in 2026-11, a rejected one; the other learner: an approved reward."""
    by = reviewer.user
    reward = ledger_factories.entry(
        staff=learner, points=10, amount="50.00", reason="首次通过消保法测验"
    )
    penalty = ledger_factories.entry(
        staff=learner,
        kind=EntryKind.PENALTY,
        points=5,
        amount="20.00",
        reason="投诉成立且员工有责：TS-0001",
    )
    pending = ledger_factories.entry(
        staff=learner, period="2026-11", points=3, amount="0", reason="待审核奖励"
    )
    rejected = ledger_factories.entry(
        staff=learner, points=99, amount="999", reason="错误生成"
    )
    others = ledger_factories.entry(staff=other_learner, reason="同事的奖励")
    for entry in (reward, penalty, others):
        ledger_services.entry_approve(entry=entry, by=by)
    ledger_services.entry_reject(entry=rejected, by=by, reason="规则错误")
    return {
        "reward": reward,
        "penalty": penalty,
        "pending": pending,
        "rejected": rejected,
        "others": others,
    }


def test_anonymous_visitors_are_sent_to_log_in(client, record):
    for url in (RECORD, entry_url(record["reward"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_learner_sees_own_approved_and_pending_entries_only(as_learner, record):
    response = as_learner.get(RECORD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "首次通过消保法测验" in html
    assert "投诉成立且员工有责：TS-0001" in html
    assert "待审核奖励" in html
    assert 'data-status="pending"' in html
    assert "错误生成" not in html  # rejected: never took effect
    assert "同事的奖励" not in html  # someone else's


def test_totals_count_approved_entries_only(as_learner, record):
    response = as_learner.get(RECORD)
    approved = response.context["approved"]
    assert (approved.points, str(approved.amount), approved.count) == (5, "30.00", 2)
    blocks = {b.period: b for b in response.context["blocks"]}
    assert list(blocks) == ["2026-11", "2026-10"]
    assert blocks["2026-11"].approved.count == 0
    assert blocks["2026-11"].pending.points == 3
    assert (
        blocks["2026-10"].approved.points,
        str(blocks["2026-10"].approved.amount),
    ) == (
        5,
        "30.00",
    )


def test_a_period_can_be_chosen(as_learner, record):
    response = as_learner.get(RECORD, {"period": "2026-11"})
    assert [b.period for b in response.context["blocks"]] == ["2026-11"]
    # An unknown period shows everything rather than failing.
    response = as_learner.get(RECORD, {"period": "1999-01"})
    assert response.status_code == 200
    assert len(response.context["blocks"]) == 2


def test_own_entry_opens_with_its_reason(as_learner, record):
    response = as_learner.get(entry_url(record["penalty"]))
    assert response.status_code == 200
    assert "投诉成立且员工有责：TS-0001" in response.content.decode()


def test_other_peoples_and_rejected_entries_answer_404(
    as_learner, record, other_learner
):
    assert as_learner.get(entry_url(record["others"])).status_code == 404
    assert as_learner.get(entry_url(record["rejected"])).status_code == 404
    missing = reverse("incentives:record_entry", args=[999_999])
    assert as_learner.get(missing).status_code == 404
    # and the other learner cannot open the learner's entries
    client = client_for(other_learner)
    assert client.get(entry_url(record["reward"])).status_code == 404


def test_evidence_label_is_shown(as_learner, learner, reviewer, make_complaint):
    complaint = make_complaint(reference_no="TS-EVID")
    entry = ledger_services.adjustment_create(
        staff=learner,
        kind=EntryKind.PENALTY,
        points=2,
        amount="10",
        period="2026-10",
        reason="投诉扣分",
        by=reviewer.user,
        source=complaint,
    )
    response = as_learner.get(entry_url(entry))
    html = response.content.decode()
    assert "TS-EVID" in html
    # A learner gets no link into the complaint ledger (HR's admin).
    assert reverse("complaints:inspect", args=[complaint.pk]) not in html


def test_every_role_sees_only_their_own_record(role_clients, record):
    for role in ("manager", "trainer", "hr", "admin"):
        response = role_clients[role].get(RECORD)
        assert response.status_code == 200, role
        html = response.content.decode()
        assert "首次通过消保法测验" not in html, role
        assert role_clients[role].get(entry_url(record["reward"])).status_code == 404


def test_hostile_reasons_are_escaped(as_learner, learner):
    ledger_factories.entry(staff=learner, reason='<script>alert("x")</script>')
    html = as_learner.get(RECORD).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("count", [2, 25])
def test_record_queries_do_not_grow_with_entries(
    as_learner, learner, django_assert_max_num_queries, count
):
    rule = ledger_factories.rule()
    for n in range(count):
        ledger_factories.entry(
            staff=learner,
            period=f"2026-{n % 12 + 1:02d}",
            rule_version=rule,
            reason=f"奖励{n}",
        )
    with django_assert_max_num_queries(12):
        response = as_learner.get(RECORD)
    assert response.status_code == 200
    assert len([e for b in response.context["blocks"] for e in b.entries]) == count
