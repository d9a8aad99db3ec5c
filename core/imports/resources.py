"""Base class for every import/export resource of the project."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from import_export import resources, widgets
from import_export.fields import NOT_PROVIDED

from core.imports.report import RowError


class ImportResource(resources.ModelResource):
    """A django-import-export resource tuned for whole-file, all-or-nothing imports.

    The pipeline has already checked required cells and natural-key duplicates
    across the file, and runs everything inside one transaction, so per-row
    savepoints, unique-check queries and HTML diffs are turned off here.

    "Unchanged" is decided from the field values an existing record had when it
    was loaded (kept on the instance as `_import_original`) instead of
    django-import-export's deep copy of every instance, which cost more than
    the rest of the row's work.
    """

    # Model fields full_clean() must not look at: foreign keys resolved from a cache
    # (validating them would cost one query per row) and fields set on save.
    full_clean_exclude: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.file_errors: list[RowError] = []
        # Notes for the report that concern the file, not one row.
        self.file_warnings: list[str] = []
        self._import_fields = None
        self._import_plan = None

    def get_import_fields(self):
        # Called several times per row; the fields never change during an import.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def import_instance(self, instance, row, **kwargs):
        """django-import-export's import_instance → import_field → Field.save →
        Field.clean, as one loop over a plan made once per import: the same
        cleaning, defaults and errors, without four calls and an attribute
        split per cell (a third of a large import's time went there)."""
        if self._import_plan is None:
            self._import_plan = self._make_import_plan()
        errors = {}
        for field, path, name, column, widget, default, keep_none in self._import_plan:
            if column not in row:
                continue
            target = instance
            for attr in path:
                target = getattr(target, attr, None)
            try:
                value = widget.clean(row[column], row=row, **kwargs)
            except ValueError as exc:
                errors[field.attribute] = ValidationError(str(exc), code="invalid")
                continue
            if default is not NOT_PROVIDED and value in field.empty_values:
                value = default() if callable(default) else default
            if value is not None or keep_none:
                setattr(target, name, value)
        if errors:
            raise ValidationError(errors)

    def _make_import_plan(self) -> list[tuple]:
        plan = []
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            if not field.attribute or field.readonly:
                continue
            *path, name = field.attribute.split("__")
            plan.append(
                (
                    field,
                    path,
                    name,
                    field.column_name,
                    field.widget,
                    field.default,
                    field.saves_null_values,
                )
            )
        return plan

    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        if not new:
            instance._import_original = self.field_values(instance)
        return instance, new

    def field_values(self, instance) -> tuple:
        values = []
        for field in self.get_import_fields():
            value = field.get_value(instance) if field.attribute else None
            if isinstance(value, list | dict | set):
                value = copy.copy(value)
            values.append(value)
        return tuple(values)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or not self._meta.skip_unchanged:
            return False
        before = getattr(instance, "_import_original", None)
        return before is not None and before == self.field_values(instance)

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        if not self._meta.clean_model_instances:
            # The widgets have checked every cell (kinds that set this flag
            # validate lengths, choices and references in their widgets).
            if errors:
                raise ValidationError(errors)
            return
        try:
            instance.full_clean(
                exclude=set(errors) | set(self.full_clean_exclude),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_import_row(self, row, row_result, **kwargs):
        row_result.file_row = row.get("__row")

    def after_commit(self) -> None:
        """Called once after the whole import is committed (announce changes here)."""

    def get_export_queryset(self):
        return self.get_queryset()

    def export_row(self, obj) -> list:
        return [self.export_field(field, obj) for field in self.get_export_fields()]

    class Meta:
        abstract = True
        skip_unchanged = True
        skip_diff = True
        report_skipped = False
        skip_html_diff = True
        use_transactions = False
        store_instance = True
        clean_model_instances = True
