from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class Department(MP_Node):
    """A unit of the bank: branch > sub-branch > outlet (departments anywhere).

    A materialised path tree, so "this department and everything under it" is one
    indexed prefix query (`path__startswith`).
    """

    class Kind(models.TextChoices):
        BRANCH = "branch", _("Branch")
        SUB_BRANCH = "sub_branch", _("Sub-branch")
        OUTLET = "outlet", _("Outlet")
        DEPARTMENT = "department", _("Department")

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_.-]+$",
                _("Use only letters, digits and . - _ in a department code."),
            )
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT
    )

    node_order_by = None

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def tree_label(self) -> str:
        return "— " * (self.depth - 1) + self.name


class StaffProfile(models.Model):
    """An employee. The auth user's username is the employee number.

    Leavers are deactivated (is_active False on both), never deleted: their
    attempts and ledger entries stay attributable.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_profile",
        verbose_name=_("user account"),
    )
    employee_no = models.CharField(
        _("employee number"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_.@+-]+$",
                _("Use only letters, digits and . @ + - _ in an employee number."),
            )
        ],
    )
    name = models.CharField(_("full name"), max_length=100)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("department"),
    )
    position = models.CharField(_("position"), max_length=64, blank=True, db_index=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    # Personal data: shown to HR only (not in files, listings or learner pages).
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no"]
        # Personal data (个人信息保护法): HR's alone, whoever else may list or
        # edit staff records.
        permissions = [
            ("view_contact_details", _("Can see staff e-mail addresses and phones")),
        ]

    def __str__(self):
        return f"{self.name} ({self.employee_no})"
