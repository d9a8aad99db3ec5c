from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from org.models import Department, StaffProfile


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'— ' * (obj.depth - 1)}{obj.name} ({obj.code})"


class DepartmentForm(WagtailAdminModelForm):
    parent = DepartmentChoiceField(
        queryset=Department.objects.order_by("path"),
        required=False,
        label=_("Parent department"),
        help_text=_("Leave empty for a top-level unit such as a branch."),
    )

    class Meta:
        model = Department
        fields = ["code", "name", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            # A unit cannot move under itself or its own sub-units.
            self.fields["parent"].queryset = Department.objects.exclude(
                path__startswith=self.instance.path
            ).order_by("path")


class StaffForm(WagtailAdminModelForm):
    department = DepartmentChoiceField(
        queryset=Department.objects.order_by("path"), label=_("Department")
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    class Meta:
        model = StaffProfile
        fields = [
            "employee_no",
            "name",
            "department",
            "position",
            "hire_date",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            if "email" in self.fields:  # only for HR (org.view_contact_details)
                self.fields["email"].initial = self.instance.user.email
            # The employee number is the login name: fixed once created.
            self.fields["employee_no"].disabled = True
        self.fields["is_active"].help_text = _(
            "Untick for a leaver: they can no longer log in, and all their records "
            "stay."
        )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput, strip=False
    )
    password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        from django.contrib.auth import password_validation

        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        if data.get("password1"):
            password_validation.validate_password(data["password1"], self.user)
        return data
