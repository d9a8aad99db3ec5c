"""The kinds of record that can be imported and exported.

Apps register their kinds (in AppConfig.ready) so that `core` drives every import
without importing the apps above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class Column:
    key: str
    label_zh: str
    required: bool = False


@dataclass(frozen=True)
class RecordKind:
    """One importable/exportable kind of record.

    `resource_class` is a django-import-export resource whose field column names
    are the column keys; `natural_key` is the column that identifies a record
    (upsert key, checked for duplicates within a file).
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
