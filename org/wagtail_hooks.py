"""HR's tools for the organisation in the Wagtail admin: departments and staff."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin_export import SafeSpreadsheetExportMixin
from core.audit import audit_record
from core.models import AuditEvent
from org import services
from org.filters import DepartmentFilterSet, StaffFilterSet
from org.forms import DepartmentForm, StaffForm
from org.models import Department, StaffProfile
from org.views import StaffSetPasswordView

#: E-mail and phone are HR's alone (个人信息保护法), whoever else may see staff.
CONTACT_PERMISSION = "org.view_contact_details"
CONTACT_EXPORT_FIELDS = ("user.email",)


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Departments and staff are never deleted (history must stay attributable)."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(Department, NoDeletePermissionPolicy(Department))
register_permission_policy(StaffProfile, NoDeletePermissionPolicy(StaffProfile))


# --- departments ---------------------------------------------------------------------


class DepartmentCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.department_create(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
        )


class DepartmentEditView(generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.department_update(
            department=self.object,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
        )


class DepartmentIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    pass


class DepartmentViewSet(ModelViewSet):
    model = Department
    index_view_class = DepartmentIndexView
    icon = "group"
    menu_label = _("Departments")
    add_view_class = DepartmentCreateView
    edit_view_class = DepartmentEditView
    edit_handler = ObjectList(
        [
            FieldPanel("code"),
            FieldPanel("name"),
            FieldPanel("kind"),
            FieldPanel("parent"),
        ],
        base_form_class=DepartmentForm,
    )
    copy_view_enabled = False
    ordering = ["path"]
    list_per_page = 50
    search_fields = ["code", "name"]
    filterset_class = DepartmentFilterSet
    list_display = [
        TitleColumn(
            "name", label=_("Name"), accessor="tree_label", url_name="departments:edit"
        ),
        Column("code", label=_("Code")),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
    ]
    list_export = ["code", "name", "kind"]
    export_filename = "departments"


# --- staff ---------------------------------------------------------------------------


class StaffCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.staff_create(
            employee_no=data["employee_no"],
            name=data["name"],
            department=data["department"],
            position=data["position"],
            hire_date=data["hire_date"],
            # Without the contact permission the form has no such fields.
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            is_active=data["is_active"],
        )


class StaffEditView(generic.EditView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        return StaffProfile.objects.select_related("user", "department").get(pk=obj.pk)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not request.user.has_perm(CONTACT_PERMISSION):
            return response
        # The form shows the person's e-mail and phone number.
        audit_record(
            user=request.user,
            action=AuditEvent.Action.VIEW_PERSONAL_DATA,
            target=self.object,
            request=request,
        )
        return response

    def save_instance(self):
        data = self.form.cleaned_data
        return services.staff_update(
            staff=self.object,
            name=data["name"],
            department=data["department"],
            position=data["position"],
            hire_date=data["hire_date"],
            # Without the contact permission the form has no such fields: keep
            # what is there.
            email=data.get("email", self.object.user.email),
            phone=data.get("phone"),
            is_active=data["is_active"],
        )

    def get_header_buttons(self):
        buttons = super().get_header_buttons()
        if self.request.user.has_perm("org.change_staffprofile") and (
            self.request.user.is_superuser or not self.object.user.is_superuser
        ):
            buttons.append(
                HeaderButton(
                    _("Set password"),
                    url=reverse("staff:set_password", args=[self.object.pk]),
                    icon_name="key",
                )
            )
        return buttons


class StaffIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    _list_export = ()

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department", "user")

    @property
    def list_export(self):
        fields = self._list_export
        if not self.request.user.has_perm(CONTACT_PERMISSION):
            fields = [f for f in fields if f not in CONTACT_EXPORT_FIELDS]
        return fields

    @list_export.setter
    def list_export(self, value):
        self._list_export = value


class StaffViewSet(ModelViewSet):
    model = StaffProfile
    name = "staff"
    icon = "user"
    menu_label = _("Staff")
    index_view_class = StaffIndexView
    add_view_class = StaffCreateView
    edit_view_class = StaffEditView
    edit_handler = ObjectList(
        [
            FieldPanel("employee_no"),
            FieldPanel("name"),
            FieldPanel("department"),
            FieldPanel("position"),
            FieldPanel("hire_date"),
            FieldPanel("email", permission=CONTACT_PERMISSION),
            FieldPanel("phone", permission=CONTACT_PERMISSION),
            FieldPanel("is_active"),
        ],
        base_form_class=StaffForm,
    )
    copy_view_enabled = False
    list_per_page = 50
    search_fields = ["employee_no", "name", "position"]
    filterset_class = StaffFilterSet
    list_display = [
        TitleColumn("employee_no", label=_("Employee number"), url_name="staff:edit"),
        "name",
        Column("department", label=_("Department")),
        "position",
        "hire_date",
        BooleanColumn("is_active", label=_("Active")),
    ]
    list_export = [
        "employee_no",
        "name",
        "department",
        "position",
        "hire_date",
        "user.email",
        "is_active",
    ]
    export_headings = {
        "employee_no": _("Employee number"),
        "name": _("Name"),
        "department": _("Department"),
        "position": _("Position"),
        "hire_date": _("Hire date"),
        "user.email": _("E-mail"),
        "is_active": _("Active"),
    }
    export_filename = "staff"

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "<int:pk>/password/",
                StaffSetPasswordView.as_view(),
                name="set_password",
            ),
        ]


class OrganisationGroup(ModelViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "site"
    menu_order = 200
    items = (StaffViewSet("staff"), DepartmentViewSet("departments"))


@hooks.register("register_admin_viewset")
def register_org_viewsets():
    return OrganisationGroup()
