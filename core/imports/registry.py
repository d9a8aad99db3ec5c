"""The kinds of record that can be imported and exported.

Apps register their kinds (in AppConfig.ready) so that `core` drives every import
without importing the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class Column:
    """A file column. `in_template` False keeps an optional, rarely typed column
    (one that another format fills in) out of the blank template."""

    key: str
    label_zh: str
    required: bool = False
    in_template: bool = True


@dataclass(frozen=True)
class RecordKind:
    """One importable/exportable kind of record.

    `resource_class` is a django-import-export resource whose field column names
    are the column keys; `natural_key` is the column that identifies a record
    (upsert key, checked for duplicates within a file).

    Optional hooks for kinds that need them:
    - `row_key(cells)` gives a row's identity for the duplicate check when it is
      more than the natural-key cell (cells: {column key: value});
    - `readers[ext](data) -> Table` reads a format other than CSV/XLSX, chosen by
      the file's extension (list the extension in `import_formats` too);
    - `writers[fmt](stream, queryset) -> int` writes an export format other than
      CSV/XLSX to a binary stream and returns the number of records.
    """

    name: str
    label: str | Promise
    model_label: str
    resource_class: type
    columns: tuple[Column, ...]
    natural_key: str
    importable: bool = True
    export_formats: tuple[str, ...] = ("csv", "xlsx")
    import_formats: tuple[str, ...] = ("csv", "xlsx")
    chunk_rows: int | None = None
    extra: dict = field(default_factory=dict)
    row_key: Callable[[Mapping[str, object]], str] | None = None
    readers: Mapping[str, Callable] = field(default_factory=dict)
    writers: Mapping[str, Callable] = field(default_factory=dict)

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_label)

    def header_aliases(self) -> dict[str, str]:
        aliases = {}
        for column in self.columns:
            aliases[column.key.lower()] = column.key
            aliases[column.label_zh.lower()] = column.key
        return aliases

    def import_permissions(self) -> list[str]:
        meta = self.model._meta
        return [
            f"{meta.app_label}.add_{meta.model_name}",
            f"{meta.app_label}.change_{meta.model_name}",
        ]

    def export_permissions(self) -> list[str]:
        meta = self.model._meta
        return [f"{meta.app_label}.view_{meta.model_name}"]

    def user_can_import(self, user) -> bool:
        return self.importable and user.has_perms(self.import_permissions())

    def user_can_export(self, user) -> bool:
        return user.has_perms(self.export_permissions())


_kinds: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    _kinds[kind.name] = kind
    return kind


def get_kind(name: str) -> RecordKind:
    return _kinds[name]


def all_kinds() -> list[RecordKind]:
    return list(_kinds.values())


def kind_names(*, importable: bool | None = None) -> list[str]:
    return [
        k.name
        for k in _kinds.values()
        if importable is None or k.importable == importable
    ]
