import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from org.forms import DepartmentChoiceField
from org.models import Department, StaffProfile
from org.selectors import position_list


class DepartmentSubtreeFilter(django_filters.ModelChoiceFilter):
    field_class = DepartmentChoiceField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(department__path__startswith=value.path)


class StaffFilterSet(WagtailFilterSet):
    department = DepartmentSubtreeFilter(
        queryset=Department.objects.order_by("path"),
        label=_("Department (with sub-units)"),
    )
    position = django_filters.ChoiceFilter(label=_("Position"), choices=list)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = StaffProfile
        fields = ["department", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["position"].extra["choices"] = [(p, p) for p in position_list()]


class DepartmentFilterSet(WagtailFilterSet):
    class Meta:
        model = Department
        fields = ["kind"]
