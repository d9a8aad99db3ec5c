"""HR's incentive rules in the Wagtail admin.

The form edits the rule's identity (name, code, description) and the fields of
its current version side by side; saving goes through services.rules, which
makes a new version when anything the rule does changed. Rules are never
deleted (entries name their versions); "active" off stops a rule.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.log_actions import log
from wagtail.permissions import register_permission_policy

from incentives.models import EntryKind, IncentiveRule, RuleVersion, TriggerKind
from incentives.services import rules
from incentives.views import ForbiddenMixin, ServiceFormMixin
from org.wagtail_hooks import NoDeletePermissionPolicy
from quizzes.models import QuizPage
from training.models import CoursePage

register_permission_policy(IncentiveRule, NoDeletePermissionPolicy(IncentiveRule))


class RuleForm(WagtailAdminModelForm):
    trigger = forms.ChoiceField(label=_("Trigger"), choices=TriggerKind.choices)
    kind = forms.ChoiceField(label=_("Reward or penalty"), choices=EntryKind.choices)
    points = forms.IntegerField(label=_("Points"), min_value=0, initial=0)
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
    )
    active_from = forms.DateField(label=_("Active from"), widget=AdminDateInput)
    active_until = forms.DateField(
        label=_("Active until"), widget=AdminDateInput, required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    course = forms.ModelChoiceField(
        label=_("Only this course"),
        queryset=CoursePage.objects.order_by("path"),
        required=False,
    )
    topic = forms.ChoiceField(
        label=_("Only this topic"),
        choices=[("", "---------"), *CoursePage.Topic.choices],
        required=False,
    )
    quiz = forms.ModelChoiceField(
        label=_("Only this quiz"),
        queryset=QuizPage.objects.order_by("path"),
        required=False,
    )
    complaint_category = forms.CharField(
        label=_("Only this complaint category"), max_length=64, required=False
    )

    class Meta:
        model = IncentiveRule
        fields = ["name", "code", "description"]

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and instance.pk:
            current = instance.versions.order_by("-number").first()
            if current is not None:
                for name in rules.VERSION_FIELDS:
                    self.initial[name] = getattr(current, name)
            # The code is the rule's identity in posting keys: fixed once made.
            self.fields["code"].disabled = True

    def version_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in rules.VERSION_FIELDS}

    def _post_clean(self):
        # Uniqueness and constraints are the service's to check (one message).
        pass


class RuleCreateView(ForbiddenMixin, ServiceFormMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        rule = rules.rule_create(
            name=data["name"],
            code=data["code"],
            description=data.get("description", ""),
            by=self.request.user,
            **self.form.version_kwargs(),
        )
        log(instance=rule, action="wagtail.create", user=self.request.user)
        return rule


class RuleEditView(ForbiddenMixin, ServiceFormMixin, generic.EditView):
    template_name = "incentives/admin/rule_edit.html"

    def save_instance(self):
        data = self.form.cleaned_data
        version = rules.rule_update(
            rule=self.object,
            by=self.request.user,
            name=data["name"],
            description=data.get("description", ""),
            **self.form.version_kwargs(),
        )
        log(instance=self.object, action="wagtail.edit", user=self.request.user)
        return version.rule

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = (
            RuleVersion.objects.filter(rule=self.object)
            .select_related("created_by", "course", "quiz")
            .order_by("-number")
        )
        return context


class RuleIndexView(ForbiddenMixin, generic.IndexView):
    def get_base_queryset(self):
        return IncentiveRule.objects.prefetch_related("versions")


class RuleDeleteView(ForbiddenMixin, generic.DeleteView):
    """Never allowed (NoDeletePermissionPolicy)."""


def _current(attribute):
    def value(rule):
        version = rule.current_version
        if version is None:
            return ""
        getter = getattr(version, f"get_{attribute}_display", None)
        return getter() if getter else getattr(version, attribute)

    return value


class RuleViewSet(ModelViewSet):
    model = IncentiveRule
    icon = "pick"
    menu_label = _("Incentive rules")
    add_view_class = RuleCreateView
    edit_view_class = RuleEditView
    index_view_class = RuleIndexView
    delete_view_class = RuleDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_per_page = 50
    ordering = ["code"]
    search_fields = ["name", "code"]
    list_display = [
        TitleColumn("name", label=_("Name"), url_name="incentive_rules:edit"),
        Column("code", label=_("Code")),
        Column("trigger", label=_("Trigger"), accessor=_current("trigger")),
        Column("kind", label=_("Kind"), accessor=_current("kind")),
        Column("points", label=_("Points"), accessor=_current("points")),
        Column("amount", label=_("Amount (CNY)"), accessor=_current("amount")),
        BooleanColumn("is_active", label=_("Active"), accessor=_current("is_active")),
        Column("version", label=_("Version"), accessor=_current("number")),
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("name"), FieldPanel("code"), FieldPanel("description")],
                heading=_("Rule"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("trigger"),
                    FieldRowPanel(
                        [FieldPanel("kind"), FieldPanel("points"), FieldPanel("amount")]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("active_from"),
                            FieldPanel("active_until"),
                            FieldPanel("is_active"),
                        ]
                    ),
                ],
                heading=_("What it does (a change makes a new version)"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("course"),
                    FieldPanel("topic"),
                    FieldPanel("quiz"),
                    FieldPanel("complaint_category"),
                ],
                heading=_("Filters (empty = any)"),
            ),
        ],
        base_form_class=RuleForm,
    )
