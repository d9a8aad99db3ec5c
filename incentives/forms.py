from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateTimeInput

from incentives import services
from incentives.masking import mask_personal_numbers
from incentives.models import Complaint
from incentives.resources import ERROR_UNKNOWN_EMPLOYEE
from org.forms import DepartmentChoiceField
from org.models import Department, StaffProfile

# Model fields that the form shows under another name.
FORM_FIELD_OF = {
    "responsible_staff": "responsible_employee_no",
    "handler": "handler_employee_no",
    "approved_deadline_at": "received_at",
}


class EmployeeNumberField(forms.CharField):
    """An employee typed by number (a select of every employee would not scale)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, StaffProfile):
            return value.employee_no
        return value

    def clean(self, value) -> StaffProfile | None:
        number = super().clean(value)
        if not number:
            return None
        staff = StaffProfile.objects.filter(employee_no=number).first()
        if staff is None:
            raise ValidationError(ERROR_UNKNOWN_EMPLOYEE % {"number": number})
        return staff


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        name = FORM_FIELD_OF.get(field, field)
        if name == NON_FIELD_ERRORS or name not in form.fields:
            name = None
        for message in errors:
            form.add_error(name, message)


class ComplaintForm(WagtailAdminModelForm):
    department = DepartmentChoiceField(
        queryset=Department.objects.order_by("path"), label=_("Department")
    )
    responsible_employee_no = EmployeeNumberField(
        label=_("Responsible staff member (employee number)"),
        help_text=_("The employee whose conduct the complaint is about, if any."),
    )
    handler_employee_no = EmployeeNumberField(
        label=_("Handler (employee number)"),
    )

    class Meta:
        model = Complaint
        fields = [
            "reference_no",
            "received_at",
            "channel",
            "category",
            "department",
            "status",
            "resolved_at",
            "outcome",
            "staff_at_fault",
            "customer_satisfied",
            "escalated",
            "topic",
            "law_article",
            "summary",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields[
                "responsible_employee_no"
            ].initial = self.instance.responsible_staff
            self.fields["handler_employee_no"].initial = self.instance.handler
            # The reference number is how imports find the complaint: fixed.
            self.fields["reference_no"].disabled = True
        self.fields["summary"].help_text = _(
            "ID-card, bank-card, account and phone numbers are masked when saved."
        )
        self.fields["received_at"].help_text = _(
            "The deadline is 15 days from receipt; it can be extended once to 30 "
            "days, and beyond that only with a recorded approval."
        )

    def clean_summary(self):
        return mask_personal_numbers(self.cleaned_data.get("summary") or "")

    def _post_clean(self):
        """ModelForm's own checks, then the services' rules (the service checks
        them again when saving) instead of the database constraints' generic
        messages."""
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
        except ValidationError as exc:
            self._update_errors(exc)
        try:
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self._update_errors(exc)
        complaint = self.instance
        complaint.responsible_staff = self.cleaned_data.get("responsible_employee_no")
        complaint.handler = self.cleaned_data.get("handler_employee_no")
        services.complaint_prepare(complaint)
        broken = services.complaint_errors(complaint)
        reference_no = self.cleaned_data.get("reference_no")
        if (
            not self.instance.pk
            and reference_no
            and Complaint.objects.filter(reference_no=reference_no).exists()
        ):
            broken.setdefault("reference_no", []).append(services.ERROR_REFERENCE_TAKEN)
        for field, messages in broken.items():
            name = FORM_FIELD_OF.get(field, field)
            if name in self.errors:
                continue  # the cell itself is wrong: say that first
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            name: data[name] for name in ComplaintForm.Meta.fields if name in data
        }
        kwargs["responsible_staff"] = data.get("responsible_employee_no")
        kwargs["handler"] = data.get("handler_employee_no")
        return kwargs


class ExtendDeadlineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the extension"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Why the case is complex. The deadline becomes 30 days from receipt; "
            "it can be extended only once."
        ),
    )


class ApproveDeadlineForm(forms.Form):
    deadline_at = forms.DateTimeField(
        label=_("Approved deadline"),
        widget=AdminDateTimeInput,
        help_text=_("At most 60 days after receipt."),
    )
    reference = forms.CharField(
        label=_("Approval reference"),
        max_length=64,
        required=False,
        help_text=_("The number of the approval document, if there is one."),
    )
    note = forms.CharField(
        label=_("Approval"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Who approved the longer deadline (a higher office or a senior manager "
            "of the head office) and why; the customer must be told."
        ),
    )


# --- the reward/penalty ledger -------------------------------------------------------


class PeriodField(forms.CharField):
    """A month (2026-11) or a quarter (2026-Q4), in its canonical spelling."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Period"))
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault(
            "help_text", _("A month such as 2026-11 or a quarter such as 2026-Q4.")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        from incentives.periods import period_normalise

        return period_normalise(super().clean(value))


class LedgerReasonForm(forms.Form):
    """A reason HR must give (rejecting, reversing)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give a reason."))
        return reason


class LedgerBulkForm(forms.Form):
    """Entries ticked in the listing and what to do with them."""

    APPROVE = "approve"
    REJECT = "reject"

    action = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))],
        widget=forms.HiddenInput,
    )
    entry = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one entry.")},
    )
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        from incentives.models import LedgerEntry

        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = LedgerEntry.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("action") == self.REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for rejecting."))
        return data


class LedgerAdjustmentForm(forms.Form):
    """A manual reward or penalty; another HR member approves it."""

    employee_no = EmployeeNumberField(label=_("Employee number"), required=True)
    period = PeriodField()
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    points = forms.IntegerField(
        label=_("Points"),
        min_value=0,
        initial=0,
        help_text=_("As a positive number; a penalty is deducted."),
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        help_text=_("As a positive number; a penalty is deducted."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def __init__(self, *args, **kwargs):
        from incentives.models import EntryKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = EntryKind.choices

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give a reason."))
        return reason

    def clean(self):
        data = super().clean()
        if data.get("points") == 0 and not data.get("amount"):
            raise ValidationError(_("Give points, an amount or both."))
        return data


class RecordFilterForm(forms.Form):
    """The period shown on "my record" and on the team totals."""

    period = forms.ChoiceField(label=_("Period"), required=False, choices=[])

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", _("All periods"))] + [
            (p, p) for p in periods
        ]


class TeamLedgerFilterForm(RecordFilterForm):
    department = DepartmentChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Department (with sub-units)"),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = scope.departments()
