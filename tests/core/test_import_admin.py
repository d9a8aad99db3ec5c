"""The admin import screens: upload -> preview -> confirm -> result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import Job
from org.models import StaffProfile
from tests.conftest import client_for

GOOD = (
    "工号,姓名,部门编码,岗位,入职日期,邮箱,在职\n"
    "900001,钱学森,O1,客户经理,2024-05-06,,是\n"
    "900002,孙小美,O2,柜员,2025-01-02,,是\n"
).encode("gb18030")
BAD = "工号,姓名,部门编码\n900001,钱学森,NOPE\n".encode()


class Poster:
    """Posts and runs the on-commit callbacks (the queued job) as a real commit
    would; a test's own transaction never commits."""

    def __init__(self, capture):
        self.capture = capture

    def __call__(self, client, url, data=None):
        with self.capture(execute=True):
            response = client.post(url, data or {})
        if response.status_code == 302:
            response = client.get(response["Location"])
        return response


@pytest.fixture(autouse=True)
def post(django_capture_on_commit_callbacks):
    global _post
    _post = Poster(django_capture_on_commit_callbacks)
    return _post


_post: Poster


def upload(client, data, name="staff.csv", kind="staff"):
    return _post(
        client, f"/admin/imports/{kind}/", {"file": SimpleUploadedFile(name, data)}
    )


def confirm(client, job):
    return _post(client, f"/admin/imports/jobs/{job.pk}/confirm/")


def test_hr_previews_then_confirms(as_hr, bank):
    response = upload(as_hr, GOOD)
    assert response.status_code == 200
    preview = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert preview.status == Job.Status.SUCCEEDED
    assert preview.report["new"] == 2
    assert not StaffProfile.objects.filter(employee_no="900001").exists()
    content = response.content.decode()
    assert "钱学森" in content and "data-confirm-import" in content

    response = confirm(as_hr, preview)
    assert response.status_code == 200
    assert "data-import-done" in response.content.decode()
    assert (
        StaffProfile.objects.filter(employee_no__in=["900001", "900002"]).count() == 2
    )
    applied = Job.objects.get(kind=Job.Kind.IMPORT_APPLY)
    assert applied.preview_of == preview and applied.report["committed"] is True


def test_confirming_twice_imports_once(as_hr, bank):
    upload(as_hr, GOOD)
    preview = Job.objects.get()
    confirm(as_hr, preview)
    response = confirm(as_hr, preview)
    assert Job.objects.filter(kind=Job.Kind.IMPORT_APPLY).count() == 1
    assert "already been imported" in response.content.decode() or "已导入" in (
        response.content.decode()
    )


def test_a_file_with_errors_cannot_be_confirmed(as_hr, bank):
    response = upload(as_hr, BAD)
    content = response.content.decode()
    assert "NOPE" in content and "data-confirm-import" not in content
    preview = Job.objects.get()
    confirm(as_hr, preview)
    assert not Job.objects.filter(kind=Job.Kind.IMPORT_APPLY).exists()
    errors = as_hr.get(f"/admin/imports/jobs/{preview.pk}/errors.csv")
    assert errors.status_code == 200 and "NOPE" in errors.content.decode("utf-8-sig")


def test_oversized_upload_is_refused_and_not_stored(as_hr, bank, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    response = upload(as_hr, b"a" * 5000)
    assert response.status_code == 200
    assert not Job.objects.exists()
    assert "0 MB" in str(response.context["form"].non_field_errors())


def test_wrong_extension_is_refused(as_hr, bank):
    response = upload(as_hr, b"%PDF-1.4", name="scan.pdf")
    assert response.context["form"].errors["file"]
    assert not Job.objects.exists()


def test_template_downloads(as_hr, bank):
    csv_response = as_hr.get("/admin/imports/staff/template.csv")
    assert csv_response.status_code == 200
    assert csv_response.content.decode("utf-8-sig").startswith("工号,姓名,部门编码")
    xlsx_response = as_hr.get("/admin/imports/staff/template.xlsx")
    assert xlsx_response.content[:2] == b"PK"


def test_another_persons_job_is_not_found(as_hr, bank, admin):
    upload(as_hr, GOOD)
    job = Job.objects.get()
    from core import roles
    from tests import factories

    other_hr = factories.staff(department=bank.hr_dept, role=roles.HR)
    other = client_for(other_hr)
    assert other.get(f"/admin/imports/jobs/{job.pk}/").status_code == 404
    assert other.post(f"/admin/imports/jobs/{job.pk}/confirm/").status_code == 404
    assert other.get(f"/admin/imports/jobs/{job.pk}/errors.csv").status_code == 404
    # An administrator may follow anyone's job.
    assert client_for(admin).get(f"/admin/imports/jobs/{job.pk}/").status_code == 200


def test_csrf_is_required(hr, bank):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    response = client.post(
        "/admin/imports/staff/", {"file": SimpleUploadedFile("s.csv", GOOD)}
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "role, index, staff_upload",
    [
        ("anonymous", 302, 302),
        ("learner", 302, 302),
        ("manager", 302, 302),
        ("trainer", 200, 302),  # questions only; Wagtail redirects a refusal
        ("hr", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_who_may_import_staff(role_clients, role, index, staff_upload):
    client = role_clients[role]
    response = client.get("/admin/imports/")
    assert response.status_code == index
    if role == "trainer":
        assert [k.name for k in response.context["kinds"]] == ["questions"]
        assert client.get("/admin/imports/staff/")["Location"] == "/admin/"
    assert client.get("/admin/imports/staff/").status_code == staff_upload
    assert client.get("/admin/imports/departments/").status_code == staff_upload


def test_unknown_kind_is_not_found(as_hr):
    assert as_hr.get("/admin/imports/nonsense/").status_code == 404


def test_index_lists_only_permitted_kinds_and_own_jobs(as_hr, bank):
    upload(as_hr, GOOD)
    response = as_hr.get("/admin/imports/")
    assert {k.name for k in response.context["kinds"]} == {
        "departments",
        "staff",
        "complaints",
    }
    assert len(response.context["recent_jobs"]) == 1


def test_job_page_query_count_is_bounded(as_hr, bank, django_assert_max_num_queries):
    upload(as_hr, GOOD)
    job = Job.objects.get()
    with django_assert_max_num_queries(12):
        assert as_hr.get(f"/admin/imports/jobs/{job.pk}/").status_code == 200


def test_a_file_that_changes_nothing_offers_no_confirmation(as_hr, bank):
    upload(as_hr, GOOD)
    confirm(as_hr, Job.objects.get())
    response = upload(as_hr, GOOD)
    content = response.content.decode()
    assert "data-nothing-to-import" in content and "data-confirm-import" not in content
