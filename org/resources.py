"""Import/export of departments and staff (columns of DESIGN.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from core.imports.registry import Column, RecordKind
from core.imports.resources import ImportResource
from core.imports.values import (
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    TextWidget,
    clean_text,
)
from org import services
from org.models import Department, StaffProfile

User = get_user_model()

DEPARTMENT_COLUMNS = (
    Column("code", "部门编码", required=True),
    Column("name", "部门名称", required=True),
    Column("parent_code", "上级部门编码"),
    Column("kind", "类型"),
)
STAFF_COLUMNS = (
    Column("employee_no", "工号", required=True),
    Column("name", "姓名", required=True),
    Column("department_code", "部门编码", required=True),
    Column("position", "岗位"),
    Column("hire_date", "入职日期"),
    Column("email", "邮箱"),
    Column("is_active", "在职"),
)
KIND_ALIASES = {
    "分行": "branch",
    "支行": "sub_branch",
    "网点": "outlet",
    "部门": "department",
}

ERROR_UNKNOWN_DEPARTMENT = gettext_lazy("“%(code)s” is not a known department code.")
ERROR_PARENT_ROW_INVALID = gettext_lazy(
    "The parent department “%(code)s” could not be imported (see its row)."
)


class DepartmentCodeWidget(TextWidget):
    """Resolves department codes from one cached query per import."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)
        self._by_code: dict[str, Department] | None = None

    def clean(self, value, row=None, **kwargs):
        code = super().clean(value)
        if not code:
            return None
        if self._by_code is None:
            self._by_code = {
                d.code: d for d in Department.objects.only("id", "code", "name", "path")
            }
        department = self._by_code.get(code)
        if department is None:
            raise ValueError(str(ERROR_UNKNOWN_DEPARTMENT) % {"code": code})
        return department

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class EmailWidget(TextWidget):
    def __init__(self, **kwargs):
        super().__init__(max_length=254, **kwargs)

    def clean(self, value, row=None, **kwargs):
        email = super().clean(value)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValueError(
                    _("“%(value)s” is not a valid e-mail address.") % {"value": email}
                ) from None
        return email


class DepartmentResource(ImportResource):
    code = Field(attribute="code", column_name="code", widget=TextWidget(max_length=32))
    name = Field(
        attribute="name", column_name="name", widget=TextWidget(max_length=100)
    )
    parent_code = Field(
        attribute="parent_code",
        column_name="parent_code",
        widget=TextWidget(max_length=32),
    )
    kind = Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(Department.Kind, aliases=KIND_ALIASES),
    )

    full_clean_exclude = ("path", "depth", "numchild")

    class Meta(ImportResource.Meta):
        model = Department
        import_id_fields = ["code"]
        fields = ["code", "name", "parent_code", "kind"]
        export_order = ["code", "name", "parent_code", "kind"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._existing: dict[str, Department] = {}
        self._code_of_path: dict[str, str] = {}

    # -- import ----------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        """Check parents across the file and order rows parents-first."""
        self._code_of_path = dict(Department.objects.values_list("path", "code"))
        db_parent = {
            code: self._code_of_path.get(path[: -Department.steplen], "")
            for path, code in self._code_of_path.items()
        }
        self._existing = {}
        for department in Department.objects.filter(
            code__in=[clean_text(c) for c in dataset["code"]]
        ):
            department.parent_code = db_parent.get(department.code, "")
            self._existing[department.code] = department

        rows = [dict(zip(dataset.headers, values, strict=False)) for values in dataset]
        file_parent = {}
        row_of = {}
        for row in rows:
            code = clean_text(row.get("code"))
            row_of[code] = row["__row"]
            if "parent_code" in row:
                file_parent[code] = clean_text(row.get("parent_code"))
            else:
                file_parent[code] = db_parent.get(code, "")
        parent_of = {**db_parent, **file_parent}
        for code, parent in file_parent.items():
            if parent and parent not in parent_of:
                self._file_error(
                    row_of[code],
                    "parent_code",
                    _("“%(code)s” is not a department in this file or in the system.")
                    % {"code": parent},
                )
            elif parent and self._in_cycle(code, parent_of):
                self._file_error(
                    row_of[code],
                    "parent_code",
                    _("“%(code)s” would become its own ancestor.") % {"code": code},
                )
        ordered = sorted(
            rows, key=lambda r: self._depth(clean_text(r.get("code")), parent_of)
        )
        dataset.wipe()
        dataset.headers = list(rows[0].keys()) if rows else []
        for row in ordered:
            dataset.append(list(row.values()))

    def _file_error(self, row, column, message):
        from core.imports.report import RowError

        self.file_errors.append(RowError(row, column, str(message)))

    @staticmethod
    def _in_cycle(code, parent_of) -> bool:
        seen = {code}
        current = parent_of.get(code, "")
        while current:
            if current in seen:
                return True
            seen.add(current)
            current = parent_of.get(current, "")
        return False

    @staticmethod
    def _depth(code, parent_of) -> int:
        depth, seen, current = 0, set(), parent_of.get(code, "")
        while current and current not in seen:
            seen.add(current)
            depth += 1
            current = parent_of.get(current, "")
        return depth

    def get_instance(self, instance_loader, row):
        return self._existing.get(clean_text(row.get("code")))

    def init_instance(self, row=None):
        department = Department()
        department.parent_code = ""
        return department

    def do_instance_save(self, instance, is_create):
        if self.file_errors:
            return  # the import will be rolled back; don't build a half tree
        parent_code = instance.parent_code or ""
        parent = None
        if parent_code:
            parent = Department.objects.filter(code=parent_code).first()
            if parent is None:  # its own row failed validation
                raise ValidationError(
                    {
                        "parent_code": str(ERROR_PARENT_ROW_INVALID)
                        % {"code": parent_code}
                    }
                )
        if is_create:
            if parent is None:
                Department.add_root(instance=instance)
            else:
                parent.add_child(instance=instance)
            return
        Department.objects.filter(pk=instance.pk).update(
            name=instance.name, kind=instance.kind
        )
        current = Department.objects.get(pk=instance.pk)
        current_parent = current.get_parent()
        if (current_parent.code if current_parent else "") != parent_code:
            services.department_move(department=current, parent=parent)

    # -- export ----------------------------------------------------------------------

    def get_export_queryset(self):
        self._code_of_path = dict(Department.objects.values_list("path", "code"))
        return Department.objects.order_by("path")

    def dehydrate_parent_code(self, department):
        if hasattr(department, "parent_code"):
            return department.parent_code
        return self._code_of_path.get(department.path[: -Department.steplen], "")


class EmployeeNumberWidget(TextWidget):
    """The model field's own validators, run here so that full_clean() (which
    would repeat every check the widgets make) can stay off for staff rows."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)
        self.validators = StaffProfile._meta.get_field("employee_no").validators

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value)
        for validator in self.validators:
            try:
                validator(number)
            except ValidationError as exc:
                raise ValueError(" ".join(exc.messages)) from None
        return number


class StaffResource(ImportResource):
    """Every column is checked by its widget (lengths, formats, codes), so the
    model's full_clean() is not run a second time for each of up to 100,000 rows."""

    employee_no = Field(
        attribute="employee_no",
        column_name="employee_no",
        widget=EmployeeNumberWidget(),
    )
    name = Field(
        attribute="name", column_name="name", widget=TextWidget(max_length=100)
    )
    department = Field(
        attribute="department",
        column_name="department_code",
        widget=DepartmentCodeWidget(),
    )
    position = Field(
        attribute="position", column_name="position", widget=TextWidget(max_length=64)
    )
    hire_date = Field(
        attribute="hire_date", column_name="hire_date", widget=DateWidget()
    )
    email = Field(attribute="email", column_name="email", widget=EmailWidget())
    is_active = Field(
        attribute="is_active",
        column_name="is_active",
        widget=BooleanWidget(default=True),
    )

    full_clean_exclude = ("user", "department")

    class Meta(ImportResource.Meta):
        model = StaffProfile
        import_id_fields = ["employee_no"]
        fields = [
            "employee_no",
            "name",
            "department",
            "position",
            "hire_date",
            "email",
            "is_active",
        ]
        export_order = fields
        use_bulk = True
        batch_size = 1000
        clean_model_instances = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._existing: dict[str, StaffProfile] = {}
        self._moved_ids: list[int] = []
        self._taken_numbers: set[str] | None = None
        self._taken_usernames: set[str] | None = None

    def before_import(self, dataset, **kwargs):
        # Called per chunk. The roster's numbers and account names are read
        # once per import: the rows of a large file are mostly new, and asking
        # the database about every chunk's 2,000 keys (twice, for profiles and
        # accounts) cost more than a tenth of the import.
        if self._taken_numbers is None:
            self._taken_numbers = set(
                StaffProfile.objects.values_list("employee_no", flat=True)
            )
            self._taken_usernames = set(User.objects.values_list("username", flat=True))
        keys = [
            key
            for key in map(clean_text, dataset["employee_no"])
            if key in self._taken_numbers
        ]
        self._existing = {}
        for profile in StaffProfile.objects.select_related("user", "department").filter(
            employee_no__in=keys
        ):
            profile.email = profile.user.email
            profile._original = (profile.department_id, profile.position)
            self._existing[profile.employee_no] = profile

    def get_instance(self, instance_loader, row):
        return self._existing.get(clean_text(row.get("employee_no")))

    def init_instance(self, row=None):
        profile = StaffProfile()
        profile.email = ""
        return profile

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if not self.create_instances:
            return
        try:
            services.staff_create_many(
                list(self.create_instances), taken_usernames=self._taken_usernames
            )
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if not self.update_instances:
            return
        moved = [
            p.pk
            for p in self.update_instances
            if getattr(p, "_original", None) != (p.department_id, p.position)
        ]
        try:
            services.staff_update_many(list(self.update_instances), moved_ids=moved)
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()

    def get_export_queryset(self):
        return StaffProfile.objects.select_related("department", "user").order_by(
            "employee_no"
        )

    def dehydrate_email(self, profile):
        if "email" in profile.__dict__:
            return profile.email
        return profile.user.email


def register_kinds(register) -> None:
    register(
        RecordKind(
            name="departments",
            label=gettext_lazy("Departments"),
            model_label="org.Department",
            resource_class=DepartmentResource,
            columns=DEPARTMENT_COLUMNS,
            natural_key="code",
            chunk_rows=0,  # one pass: rows refer to each other as parents
        )
    )
    register(
        RecordKind(
            name="staff",
            label=gettext_lazy("Staff"),
            model_label="org.StaffProfile",
            resource_class=StaffResource,
            columns=STAFF_COLUMNS,
            natural_key="employee_no",
        )
    )
