import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.widgets import BooleanRadioSelect

from incentives.models import Complaint
from incentives.selectors import overdue_q
from org.filters import DepartmentSubtreeFilter
from org.models import Department


class ComplaintFilterSet(WagtailFilterSet):
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        widget=BooleanRadioSelect,
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
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
