"""HR's ledger in the Wagtail admin: who reaches what, filters and totals,
single and bulk review with confirmation, maker-checker refusals shown,
reversal, manual adjustment, statement, totals, and no edit or delete anywhere."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import translation

from core import roles
from core.models import AuditEvent
from incentives.models import EntryKind, LedgerEntry
from incentives.services import ledger as ledger_services
from tests import factories
from tests.conftest import client_for
from tests.incentives import ledger_factories

INDEX = reverse("ledger:index")


@pytest.fixture
def other_hr(bank):
    return factories.staff(department=bank.hr_dept, employee_no="H002", role=roles.HR)


@pytest.fixture
def as_other_hr(other_hr):
    return client_for(other_hr)


@pytest.fixture
def rule(hr):
    return ledger_factories.rule(code="quiz-first-pass", by=hr.user)


@pytest.fixture
def pending(learner, rule):
    return ledger_factories.entry(
        staff=learner, rule_version=rule, reason="首次通过测验"
    )


@pytest.fixture
def approved(learner, other_hr):
    entry = ledger_factories.entry(staff=learner, points=8, amount="40", reason="已批")
    return ledger_services.entry_approve(entry=entry, by=other_hr.user)


def urls(pending, approved, learner) -> dict[str, str]:
    return {
        "index": INDEX,
        "index_results": reverse("ledger:index_results"),
        "pending": INDEX + "?status=pending",
        "inspect": reverse("ledger:inspect", args=[pending.pk]),
        "reject": reverse("ledger:reject", args=[pending.pk]),
        "reverse": reverse("ledger:reverse", args=[approved.pk]),
        "adjust": reverse("ledger:adjust"),
        "statement": reverse("ledger:statement", args=[learner.employee_no]),
        "totals": reverse("ledger:totals"),
        "export_csv": INDEX + "?export=csv",
        "export_xlsx": INDEX + "?export=xlsx",
    }


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "learner", "manager"])
def test_people_without_admin_access_are_sent_to_log_in(
    role_clients, pending, approved, learner, role
):
    for name, url in urls(pending, approved, learner).items():
        response = role_clients[role].get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    for url in (
        reverse("ledger:approve", args=[pending.pk]),
        reverse("ledger:bulk"),
    ):
        assert role_clients[role].post(url, {"action": "approve"}).status_code == 302
    assert LedgerEntry.objects.get(pk=pending.pk).status == "pending"


def test_a_trainer_gets_403_everywhere_and_sees_no_menu(
    role_clients, pending, approved, learner
):
    trainer = role_clients["trainer"]
    for name, url in urls(pending, approved, learner).items():
        assert trainer.get(url).status_code == 403, name
    posts = {
        reverse("ledger:approve", args=[pending.pk]): {},
        reverse("ledger:reject", args=[pending.pk]): {"reason": "x"},
        reverse("ledger:reverse", args=[approved.pk]): {"reason": "x"},
        reverse("ledger:bulk"): {"action": "approve", "entry": [pending.pk]},
        reverse("ledger:adjust"): {"employee_no": "L001"},
    }
    for url, data in posts.items():
        assert trainer.post(url, data).status_code == 403, url
    assert LedgerEntry.objects.get(pk=pending.pk).status == "pending"
    assert not LedgerEntry.objects.filter(reversal_of=approved).exists()
    home = trainer.get(reverse("wagtailadmin_home")).content.decode()
    assert INDEX not in home


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_reach_every_page(role_clients, pending, approved, learner, role):
    for name, url in urls(pending, approved, learner).items():
        assert role_clients[role].get(url).status_code == 200, name
    # approval is a POST from the entry page
    assert (
        role_clients[role].get(reverse("ledger:approve", args=[pending.pk])).status_code
        == 405
    )
    home = role_clients[role].get(reverse("wagtailadmin_home")).content.decode()
    assert INDEX in home


def test_unknown_entries_and_staff_give_404(as_hr, pending):
    for name in ("inspect", "reject", "reverse"):
        assert as_hr.get(reverse(f"ledger:{name}", args=[999_999])).status_code == 404
    assert as_hr.get(reverse("ledger:statement", args=["NOBODY"])).status_code == 404


def test_no_edit_or_delete_route_exists(as_hr, pending):
    for name in ("edit", "delete", "add", "copy", "bulk_delete"):
        with pytest.raises(NoReverseMatch):
            reverse(f"ledger:{name}", args=[pending.pk])
    for suffix in ("edit/", "delete/"):
        url = f"{INDEX}{pending.pk}/{suffix}"
        assert resolve(url).namespace != "ledger"
        assert as_hr.get(url).status_code == 404
        assert as_hr.post(url).status_code == 404
    assert LedgerEntry.objects.filter(pk=pending.pk).exists()
    html = as_hr.get(reverse("ledger:inspect", args=[pending.pk])).content.decode()
    html += as_hr.get(INDEX).content.decode()
    assert f"/{pending.pk}/edit/" not in html
    assert f"/{pending.pk}/delete/" not in html


# --- listing, filters, totals --------------------------------------------------------


@pytest.fixture
def spread(bank, learner, other_learner, other_hr, rule):
    """Entries over two periods and two sub-branches, both kinds and statuses."""
    made = [
        ledger_factories.entry(
            staff=learner, rule_version=rule, points=10, amount="50"
        ),
        ledger_factories.entry(
            staff=learner, kind=EntryKind.PENALTY, points=3, amount="30"
        ),
        ledger_factories.entry(staff=learner, period="2026-11", points=1, amount="1"),
        ledger_factories.entry(staff=other_learner, points=20, amount="200"),
    ]
    ledger_services.entry_approve(entry=made[3], by=other_hr.user)
    return made


def listing_totals(response):
    totals = response.context["totals"]
    return totals.count, totals.points, str(totals.amount)


def test_totals_follow_the_filters(as_hr, bank, spread, rule):
    assert listing_totals(as_hr.get(INDEX)) == (4, 28, "221.00")
    assert listing_totals(as_hr.get(INDEX, {"period": "2026-10"})) == (3, 27, "220.00")
    assert listing_totals(as_hr.get(INDEX, {"department": bank.s1.pk})) == (
        3,
        8,
        "21.00",
    )
    assert listing_totals(as_hr.get(INDEX, {"kind": "penalty"})) == (1, -3, "-30.00")
    assert listing_totals(as_hr.get(INDEX, {"status": "approved"})) == (
        1,
        20,
        "200.00",
    )
    assert listing_totals(as_hr.get(INDEX, {"rule": rule.rule.pk})) == (1, 10, "50.00")
    assert listing_totals(as_hr.get(INDEX, {"q": "王同事"})) == (1, 20, "200.00")
    assert listing_totals(as_hr.get(INDEX, {"q": "L001"})) == (3, 8, "21.00")
    response = as_hr.get(reverse("ledger:index_results"), {"status": "pending"})
    assert listing_totals(response) == (3, 8, "21.00")
    assert "data-total-points>+8<" in response.content.decode()


def test_the_listing_is_paginated(as_hr, learner):
    for _n in range(55):
        ledger_factories.entry(staff=learner)
    response = as_hr.get(INDEX)
    assert len(response.context["object_list"]) == 50
    assert response.context["totals"].count == 55
    assert len(as_hr.get(INDEX, {"p": 2}).context["object_list"]) == 5


@pytest.mark.parametrize("count", [3, 40])
def test_page_queries_do_not_grow_with_entries(
    as_hr, bank, rule, django_assert_max_num_queries, count
):
    """Every ledger page costs the same few queries for 3 or 40 staff and
    entries over many periods (measured: 18 for the listing, 10-14 others)."""
    entries = []
    for n in range(count):
        staff = factories.staff(department=bank.o2)
        entries.append(
            ledger_factories.entry(
                staff=staff, rule_version=rule, period=f"2026-{n % 12 + 1:02d}"
            )
        )
    someone = entries[0].staff
    for n in range(count):
        ledger_factories.entry(staff=someone, period=f"2025-{n % 12 + 1:02d}")
    pages = {
        INDEX: 20,
        reverse("ledger:index_results"): 12,
        reverse("ledger:statement", args=[someone.employee_no]): 15,
        reverse("ledger:totals"): 16,
        reverse("ledger:inspect", args=[entries[-1].pk]): 13,
    }
    for url, bound in pages.items():
        with django_assert_max_num_queries(bound):
            assert as_hr.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        response = as_hr.post(
            reverse("ledger:bulk"),
            {"action": "approve", "entry": [e.pk for e in entries]},
        )
    assert len(response.context["pending"]) == count


# --- the entry page and single review ---------------------------------------------


def test_entry_page_shows_reason_rule_version_maker_and_evidence(
    as_hr, learner, other_hr, make_complaint
):
    complaint = make_complaint(reference_no="TS-EV1")
    entry = ledger_services.adjustment_create(
        staff=learner,
        kind=EntryKind.PENALTY,
        points=2,
        amount="20",
        period="2026-10",
        reason="投诉成立，员工有责",
        by=other_hr.user,
        source=complaint,
    )
    html = as_hr.get(reverse("ledger:inspect", args=[entry.pk])).content.decode()
    assert "投诉成立，员工有责" in html
    assert "TS-EV1" in html
    assert reverse("complaints:inspect", args=[complaint.pk]) in html
    assert "H002" in html  # the maker
    assert reverse("ledger:approve", args=[entry.pk]) in html


def test_hr_approves_an_entry(as_hr, pending, hr):
    response = as_hr.post(reverse("ledger:approve", args=[pending.pk]))
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(pk=pending.pk)
    assert (entry.status, entry.reviewed_by) == ("approved", hr.user)
    response = as_hr.get(reverse("ledger:inspect", args=[pending.pk]))
    html = response.content.decode()
    assert reverse("ledger:approve", args=[pending.pk]) not in html
    assert 'data-status="approved"' in html


def test_maker_checker_refusal_is_shown(as_hr, hr, learner):
    """HR's own adjustment cannot be approved by HR alone (four eyes)."""
    entry = ledger_services.adjustment_create(
        staff=learner,
        kind=EntryKind.REWARD,
        points=5,
        amount="0",
        period="2026-10",
        reason="表彰",
        by=hr.user,
    )
    page = as_hr.get(reverse("ledger:inspect", args=[entry.pk])).content.decode()
    assert "data-maker-checker" in page
    response = as_hr.post(reverse("ledger:approve", args=[entry.pk]), follow=True)
    assert str(ledger_services.ERROR_OWN_MAKER) in response.content.decode()
    assert LedgerEntry.objects.get(pk=entry.pk).status == "pending"


def test_reject_needs_a_reason(as_hr, pending):
    url = reverse("ledger:reject", args=[pending.pk])
    response = as_hr.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert LedgerEntry.objects.get(pk=pending.pk).status == "pending"
    response = as_hr.post(url, {"reason": "证据不足"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(pk=pending.pk)
    assert (entry.status, entry.review_note) == ("rejected", "证据不足")


def test_a_reviewed_entry_cannot_be_reviewed_again(as_hr, approved):
    response = as_hr.post(reverse("ledger:reject", args=[approved.pk]), {"reason": "x"})
    assert response.status_code == 200
    assert str(ledger_services.ERROR_NOT_PENDING) in response.content.decode()
    assert LedgerEntry.objects.get(pk=approved.pk).status == "approved"


# --- bulk review with confirmation ----------------------------------------------------


def test_bulk_approve_shows_a_confirmation_first(as_hr, learner, approved, hr):
    entries = [
        ledger_factories.entry(staff=learner, reason=f"批量{n}") for n in range(3)
    ]
    ids = [e.pk for e in entries]
    response = as_hr.post(
        reverse("ledger:bulk"), {"action": "approve", "entry": [*ids, approved.pk]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    for entry in entries:
        assert f'data-entry="{entry.pk}"' in html
    assert [e.pk for e in response.context["skipped"]] == [approved.pk]
    assert set(
        LedgerEntry.objects.filter(pk__in=ids).values_list("status", flat=True)
    ) == {"pending"}
    response = as_hr.post(
        reverse("ledger:bulk"), {"action": "approve", "entry": ids, "confirm": "1"}
    )
    assert response.status_code == 302
    assert set(
        LedgerEntry.objects.filter(pk__in=ids).values_list("status", "reviewed_by")
    ) == {("approved", hr.user.pk)}


def test_bulk_reject_needs_a_reason(as_hr, learner):
    entries = [ledger_factories.entry(staff=learner) for _n in range(2)]
    ids = [e.pk for e in entries]
    data = {"action": "reject", "entry": ids, "confirm": "1"}
    response = as_hr.post(reverse("ledger:bulk"), {**data, "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].has_error("reason")
    assert LedgerEntry.objects.filter(pk__in=ids, status="pending").count() == 2
    response = as_hr.post(reverse("ledger:bulk"), {**data, "reason": "重复生成"})
    assert response.status_code == 302
    assert set(
        LedgerEntry.objects.filter(pk__in=ids).values_list("status", "review_note")
    ) == {("rejected", "重复生成")}


def test_bulk_with_nothing_selected_goes_back_with_a_message(as_hr):
    response = as_hr.post(reverse("ledger:bulk"), {"action": "approve"}, follow=True)
    assert str(ledger_services.ERROR_NOTHING_SELECTED) in response.content.decode()


def test_bulk_refused_by_maker_checker_changes_nothing(as_hr, hr, learner):
    fine = ledger_factories.entry(staff=learner)
    own = ledger_services.adjustment_create(
        staff=learner, kind="reward", points=1, period="2026-10", reason="r", by=hr.user
    )
    response = as_hr.post(
        reverse("ledger:bulk"),
        {"action": "approve", "entry": [fine.pk, own.pk], "confirm": "1"},
    )
    assert response.status_code == 200
    assert "data-form-errors" in response.content.decode()
    assert str(ledger_services.ERROR_OWN_MAKER) in response.content.decode()
    assert (
        LedgerEntry.objects.filter(pk__in=[fine.pk, own.pk], status="pending").count()
        == 2
    )


def test_listing_offers_tick_boxes_for_pending_entries_only(as_hr, pending, approved):
    html = as_hr.get(INDEX).content.decode()
    assert f'name="entry" value="{pending.pk}"' in html
    assert f'name="entry" value="{approved.pk}"' not in html
    assert 'id="ledger-bulk-form"' in html
    # the download buttons of the (filtered) listing
    assert "export=csv" in html and "export=xlsx" in html


# --- reversal, adjustment, statement, totals -----------------------------------------


def test_hr_reverses_an_approved_entry_after_confirming(as_hr, approved, hr):
    url = reverse("ledger:reverse", args=[approved.pk])
    page = as_hr.get(url).content.decode()
    assert "-8" in page  # what the reversal will post
    assert as_hr.post(url, {"reason": ""}).status_code == 200
    assert not LedgerEntry.objects.filter(reversal_of=approved).exists()
    response = as_hr.post(url, {"reason": "重复奖励"})
    reversal = LedgerEntry.objects.get(reversal_of=approved)
    assert response["Location"] == reverse("ledger:inspect", args=[reversal.pk])
    assert (reversal.points, reversal.status, reversal.created_by) == (
        -8,
        "pending",
        hr.user,
    )
    html = as_hr.get(response["Location"]).content.decode()
    assert "data-reversal-chain" in html
    assert reverse("ledger:inspect", args=[approved.pk]) in html
    # a second reversal is refused, and the button is gone
    response = as_hr.post(url, {"reason": "again"})
    assert str(ledger_services.ERROR_ALREADY_REVERSED) in response.content.decode()
    html = as_hr.get(reverse("ledger:inspect", args=[approved.pk])).content.decode()
    assert url not in html


def test_a_manual_adjustment_needs_a_reason_and_waits_for_review(as_hr, hr, learner):
    data = {
        "employee_no": "L001",
        "period": "2026-10",
        "kind": "penalty",
        "points": "5",
        "amount": "100",
        "reason": "",
    }
    response = as_hr.post(reverse("ledger:adjust"), data)
    assert response.status_code == 200
    assert response.context["form"].has_error("reason")
    assert not LedgerEntry.objects.exists()
    response = as_hr.post(reverse("ledger:adjust"), {**data, "reason": "违规操作"})
    entry = LedgerEntry.objects.get()
    assert response["Location"] == reverse("ledger:inspect", args=[entry.pk])
    assert (entry.points, str(entry.amount), entry.status, entry.is_manual) == (
        -5,
        "-100.00",
        "pending",
        True,
    )
    response = as_hr.post(reverse("ledger:adjust"), {**data, "employee_no": "X9"})
    assert response.context["form"].has_error("employee_no")


def test_the_statement_of_one_person(as_hr, learner, spread):
    response = as_hr.get(reverse("ledger:statement", args=["L001"]))
    blocks = {b.period: b for b in response.context["blocks"]}
    assert set(blocks) == {"2026-10", "2026-11"}
    assert len(blocks["2026-10"].entries) == 2
    assert blocks["2026-10"].pending.points == 7
    assert response.context["approved"].count == 0
    response = as_hr.get(
        reverse("ledger:statement", args=["L001"]), {"period": "2026-11"}
    )
    assert [b.period for b in response.context["blocks"]] == ["2026-11"]


def test_totals_by_department_roll_up_subtrees(as_hr, bank, learner, other_hr, spread):
    ledger_services.entries_approve_many([e.pk for e in spread[:3]], by=other_hr.user)
    response = as_hr.get(reverse("ledger:totals"))
    totals = {
        r["unit"].department.code: r["unit"].total for r in response.context["rows"]
    }
    assert (totals["S1"].points, str(totals["S1"].amount)) == (8, "21.00")
    assert (totals["S2"].points, str(totals["S2"].amount)) == (20, "200.00")
    assert totals["HRD"].count == 0
    html = response.content.decode()
    assert "data-ledger-chart" in html and 'data-unit="S1"' in html
    response = as_hr.get(reverse("ledger:totals"), {"department": bank.s1.pk})
    codes = {r["unit"].department.code for r in response.context["rows"]}
    assert codes == {"O1", "O2"}
    response = as_hr.get(reverse("ledger:totals"), {"period": "2026-11"})
    totals = {
        r["unit"].department.code: r["unit"].total for r in response.context["rows"]
    }
    assert totals["S1"].points == 1


def test_admin_export_is_audited_and_follows_the_filters(as_hr, spread):
    response = as_hr.get(INDEX, {"status": "approved", "export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,period,employee_no")
    assert len(lines) == 2 and ",L002," in lines[1]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.target_type == "incentives.ledgerentry"
    assert event.detail["filters"] == {"status": "approved"}


# --- races ---------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_hr_approving_the_same_entry_at_once_give_one_approval(bank):
    learner = factories.staff(department=bank.o1)
    first = factories.staff(department=bank.hr_dept, role=roles.HR)
    second = factories.staff(department=bank.hr_dept, role=roles.HR)
    entry = ledger_factories.entry(staff=learner)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(profile):
        barrier.wait()
        # A thread starts in the default language (Chinese); compare in English.
        try:
            with translation.override("en"):
                ledger_services.entry_approve(entry=entry, by=profile.user)
                outcomes.append("approved")
        except ValidationError as exc:
            with translation.override("en"):
                outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(
        ["approved", str(ledger_services.ERROR_NOT_PENDING)]
    )
    entry = LedgerEntry.objects.get(pk=entry.pk)
    assert entry.status == "approved"
    assert entry.reviewed_by in (first.user, second.user)
