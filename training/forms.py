from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.forms import DepartmentChoiceField
from org.models import Department, StaffProfile
from training.models import CoursePage
from training.selectors import Status

ERROR_DUE_IN_PAST = _("The due date cannot be in the past.")


class TeamFilterForm(forms.Form):
    """Filters of the team view; departments limited to the viewer's scope."""

    department = DepartmentChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Department (with sub-units)"),
    )
    course = forms.ModelChoiceField(
        queryset=CoursePage.objects.none(), required=False, label=_("Course")
    )
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[
            ("", _("Any status")),
            (Status.OPEN, _("Open")),
            (Status.OVERDUE, _("Overdue")),
            (Status.COMPLETED, _("Completed")),
        ],
    )
    q = forms.CharField(required=False, label=_("Name or employee number"))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = scope.departments()
        self.fields["course"].queryset = CoursePage.objects.order_by("path")


class StaffMultipleChoiceField(forms.CharField):
    """Employee numbers, separated by spaces, commas or new lines."""

    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value):
        value = super().clean(value)
        numbers = [n for n in value.replace(",", " ").replace("，", " ").split() if n]
        if not numbers:
            return []
        found = {
            s.employee_no: s
            for s in StaffProfile.objects.filter(employee_no__in=numbers)
        }
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown employee numbers: %(numbers)s"),
                params={"numbers": ", ".join(unknown)},
            )
        return list(found.values())


class AssignForm(forms.Form):
    """HR or a trainer assigns a course to departments and/or people."""

    course = forms.ModelChoiceField(
        queryset=CoursePage.objects.live().order_by("path"), label=_("Course")
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("path"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Departments (with their sub-units)"),
    )
    staff = StaffMultipleChoiceField(
        required=False,
        label=_("Employee numbers"),
        help_text=_("Separate employee numbers with spaces, commas or new lines."),
    )
    due_date = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        required=False, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].label_from_instance = lambda d: (
            f"{'— ' * (d.depth - 1)}{d.name} ({d.code})"
        )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(ERROR_DUE_IN_PAST)
        return due

    def clean(self):
        data = super().clean()
        if not data.get("departments") and not data.get("staff"):
            raise forms.ValidationError(
                _("Choose at least one department or employee.")
            )
        return data
