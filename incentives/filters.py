import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from incentives.models import Complaint
from incentives.selectors import overdue_q
from org.filters import DepartmentSubtreeFilter
from org.models import Department


class ComplaintFilterSet(WagtailFilterSet):
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"),
        method="filter_overdue",
        choices=[("true", _("Yes")), ("false", _("No"))],
        empty_label=_("All"),
        widget=forms.RadioSelect,
    )
    department = DepartmentSubtreeFilter(
        queryset=Department.objects.order_by("path"),
        label=_("Department (with sub-units)"),
    )
    received_at = django_filters.DateFromToRangeFilter(
        label=_("Received"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Complaint
        fields = [
            "overdue",
            "status",
            "channel",
            "outcome",
            "topic",
            "department",
            "received_at",
        ]

    def filter_overdue(self, queryset, name, value):
        if value == "true":
            return queryset.filter(overdue_q())
        if value == "false":
            return queryset.exclude(overdue_q())
        return queryset
