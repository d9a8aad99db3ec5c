"""Base class for every import/export resource of the project."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import resources

from core.imports.report import RowError


class ImportResource(resources.ModelResource):
    """A django-import-export resource tuned for whole-file, all-or-nothing imports.

    The pipeline has already checked required cells and natural-key duplicates
    across the file, and runs everything inside one transaction, so per-row
    savepoints, unique-check queries and HTML diffs are turned off here.
    """

    # Model fields full_clean() must not look at: foreign keys resolved from a cache
    # (validating them would cost one query per row) and fields set on save.
    full_clean_exclude: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.file_errors: list[RowError] = []
        # Notes for the report that concern the file, not one row.
        self.file_warnings: list[str] = []

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
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
        report_skipped = False
        skip_html_diff = True
        use_transactions = False
        store_instance = True
        clean_model_instances = True
