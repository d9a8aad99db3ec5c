"""Import/export of complaints (the columns of DESIGN.md).

Departments and staff are looked up from caches filled once per chunk, so an
import costs the same few queries whatever the number of rows. Each row passes
the same rules as the admin (services.complaint_errors) and its summary is
masked before it is compared or stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from core.imports.registry import Column, RecordKind
from core.imports.resources import ImportResource
from core.imports.values import (
    BooleanWidget,
    ChoiceWidget,
    DateTimeWidget,
    TextWidget,
    clean_text,
)
from incentives import services
from incentives.masking import mask_personal_numbers
from incentives.models import Complaint
from org.models import StaffProfile
from org.resources import DepartmentCodeWidget

COLUMNS = (
    Column("reference_no", "投诉编号", required=True),
    Column("received_at", "受理时间", required=True),
    Column("channel", "渠道", required=True),
    Column("category", "类别"),
    Column("department_code", "部门编码", required=True),
    Column("responsible_employee_no", "责任人工号"),
    Column("handler_employee_no", "处理人工号"),
    Column("status", "状态", required=True),
    Column("resolved_at", "办结时间"),
    Column("outcome", "处理结果"),
    Column("staff_at_fault", "员工责任"),
    Column("customer_satisfied", "客户满意"),
    Column("summary", "摘要"),
)
CHANNEL_ALIASES = {
    "电话": "phone",
    "信函": "letter",
    "来访": "visit",
    "网络": "online",
    "监管转办": "regulator",
}
STATUS_ALIASES = {"处理中": "open", "已办结": "closed"}
OUTCOME_ALIASES = {
    "成立": "upheld",
    "部分成立": "partly_upheld",
    "不成立": "not_upheld",
}

ERROR_UNKNOWN_EMPLOYEE = gettext_lazy("“%(number)s” is not a known employee number.")


class EmployeeNumberWidget(TextWidget):
    """Resolves employee numbers from a cache the resource fills per chunk."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)
        self.by_number: dict[str, StaffProfile] = {}

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value)
        if not number:
            return None
        staff = self.by_number.get(number)
        if staff is None:
            raise ValueError(str(ERROR_UNKNOWN_EMPLOYEE) % {"number": number})
        return staff

    def render(self, value, obj=None, **kwargs):
        return value.employee_no if value else ""


class SummaryWidget(TextWidget):
    """Card, account, ID and phone numbers never get past this widget."""

    def clean(self, value, row=None, **kwargs):
        return mask_personal_numbers(super().clean(value))


class OptionalChoiceWidget(ChoiceWidget):
    """An empty cell is the empty choice ("no outcome yet"), not NULL."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs) or ""


class ComplaintDateTimeWidget(DateTimeWidget):
    """Minutes as files usually have them; seconds only when there are some, so
    that an export imported again changes nothing."""

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        local = timezone.localtime(value)
        return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


class ComplaintResource(ImportResource):
    reference_no = Field(
        attribute="reference_no",
        column_name="reference_no",
        widget=TextWidget(max_length=64),
    )
    received_at = Field(
        attribute="received_at",
        column_name="received_at",
        widget=ComplaintDateTimeWidget(),
    )
    channel = Field(
        attribute="channel",
        column_name="channel",
        widget=ChoiceWidget(Complaint.Channel, aliases=CHANNEL_ALIASES),
    )
    category = Field(
        attribute="category", column_name="category", widget=TextWidget(max_length=64)
    )
    department = Field(
        attribute="department",
        column_name="department_code",
        widget=DepartmentCodeWidget(),
    )
    responsible_staff = Field(
        attribute="responsible_staff",
        column_name="responsible_employee_no",
        widget=EmployeeNumberWidget(),
    )
    handler = Field(
        attribute="handler",
        column_name="handler_employee_no",
        widget=EmployeeNumberWidget(),
    )
    status = Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(Complaint.Status, aliases=STATUS_ALIASES),
    )
    resolved_at = Field(
        attribute="resolved_at",
        column_name="resolved_at",
        widget=ComplaintDateTimeWidget(),
    )
    outcome = Field(
        attribute="outcome",
        column_name="outcome",
        widget=OptionalChoiceWidget(Complaint.Outcome, aliases=OUTCOME_ALIASES),
    )
    staff_at_fault = Field(
        attribute="staff_at_fault",
        column_name="staff_at_fault",
        widget=BooleanWidget(default=False),
    )
    customer_satisfied = Field(
        attribute="customer_satisfied",
        column_name="customer_satisfied",
        widget=BooleanWidget(default=None),
    )
    summary = Field(attribute="summary", column_name="summary", widget=SummaryWidget())

    # Foreign keys come from the caches (full_clean would query once per row);
    # the deadline is derived, not read.
    full_clean_exclude = ("department", "responsible_staff", "handler", "deadline_at")

    class Meta(ImportResource.Meta):
        model = Complaint
        import_id_fields = ["reference_no"]
        fields = [
            "reference_no",
            "received_at",
            "channel",
            "category",
            "department",
            "responsible_staff",
            "handler",
            "status",
            "resolved_at",
            "outcome",
            "staff_at_fault",
            "customer_satisfied",
            "summary",
        ]
        export_order = fields
        use_bulk = True
        batch_size = 1000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._existing: dict[str, Complaint] = {}

    # -- import ----------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        """Load this chunk's existing complaints and named staff in two queries."""
        keys = [clean_text(v) for v in dataset["reference_no"]]
        self._existing = {
            c.reference_no: c
            for c in Complaint.objects.select_related(
                "department", "responsible_staff", "handler"
            ).filter(reference_no__in=keys)
        }
        numbers = set()
        for column in ("responsible_employee_no", "handler_employee_no"):
            if column in dataset.headers:
                numbers.update(clean_text(v) for v in dataset[column])
        numbers.discard("")
        by_number = {
            s.employee_no: s
            for s in StaffProfile.objects.filter(employee_no__in=numbers)
        }
        for name in ("responsible_staff", "handler"):
            self.fields[name].widget.by_number = by_number

    def get_instance(self, instance_loader, row):
        return self._existing.get(clean_text(row.get("reference_no")))

    def init_instance(self, row=None):
        return Complaint()

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        """The admin's rules, reported against the file's columns. They are
        checked once every cell of the row could be read (a cell that could not
        be read would only make them report nonsense)."""
        errors = dict(import_validation_errors or {})
        services.complaint_prepare(instance)
        if not errors:
            broken: dict[str, list[str]] = {}
            for field, messages in services.complaint_errors(instance).items():
                # An approved deadline moves out of range with the receipt time.
                column = "received_at" if field == "approved_deadline_at" else field
                broken.setdefault(column, []).extend(str(m) for m in messages)
            errors = {field: ValidationError(m) for field, m in broken.items()}
        super().validate_instance(instance, errors)

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if not self.create_instances:
            return
        try:
            services.complaint_create_many(list(self.create_instances))
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if not self.update_instances:
            return
        fields = [
            *(f for f in self._meta.fields if f not in self._meta.import_id_fields),
            "deadline_at",
        ]
        try:
            services.complaint_update_many(list(self.update_instances), fields)
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()

    # -- export ----------------------------------------------------------------------

    def get_export_queryset(self):
        return Complaint.objects.select_related(
            "department", "responsible_staff", "handler"
        ).order_by("received_at", "pk")


def register_kinds(register) -> None:
    register(
        RecordKind(
            name="complaints",
            label=gettext_lazy("Complaints"),
            model_label="incentives.Complaint",
            resource_class=ComplaintResource,
            columns=COLUMNS,
            natural_key="reference_no",
        )
    )
