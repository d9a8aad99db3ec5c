"""Admin views of org that Wagtail's generic views don't provide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from org import services
from org.forms import SetPasswordForm
from org.models import StaffProfile


class StaffSetPasswordView(WagtailAdminTemplateMixin, FormView):
    """HR sets a staff member's password (until the bank's sign-on does)."""

    form_class = SetPasswordForm
    template_name = "org/set_password.html"
    page_title = gettext_lazy("Set password")
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("org.change_staffprofile"):
            raise PermissionDenied
        self.staff = get_object_or_404(
            StaffProfile.objects.select_related("user"), pk=kwargs["pk"]
        )
        # Nobody but an administrator may take over an administrator's account.
        if self.staff.user.is_superuser and not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Set password: %(staff)s") % {"staff": self.staff}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("staff:index"), "label": _("Staff")},
            {
                "url": reverse("staff:edit", args=[self.staff.pk]),
                "label": str(self.staff),
            },
            {"url": "", "label": _("Set password")},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.staff.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(staff=self.staff, **kwargs)

    def form_valid(self, form):
        services.staff_set_password(
            staff=self.staff, password=form.cleaned_data["password1"]
        )
        messages.success(
            self.request,
            _("The password of %(staff)s was set.") % {"staff": self.staff},
        )
        return redirect(reverse("staff:edit", args=[self.staff.pk]))
