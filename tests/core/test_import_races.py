"""The same staff file imported twice at once ends in one consistent state."""

import threading

import pytest
from django.db import connection

from core.imports.pipeline import run_import
from org.models import StaffProfile
from tests import factories

pytestmark = pytest.mark.postgres

FILE = (
    "employee_no,name,department_code,position\n"
    + "".join(f"{700000 + i},员工{i},O1,柜员\n" for i in range(300))
).encode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_imports_of_one_file():
    branch = factories.department("分行", code="B", kind="branch")
    factories.department("网点", code="O1", parent=branch)
    barrier = threading.Barrier(2)
    reports = []

    def worker():
        try:
            barrier.wait()
            reports.append(run_import("staff", FILE))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One import wrote all rows; the other either found them written (nothing
    # to do) or collided with the first and wrote nothing. Never half of each.
    assert StaffProfile.objects.count() == 300
    assert sorted(r.new for r in reports if r.committed) in ([300], [0, 300])
    failed = [r for r in reports if not r.committed]
    assert all(r.errors for r in failed)
