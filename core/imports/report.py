"""What an import did, or would do: counts, every bad row, a sample of changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

MAX_CHANGE_SAMPLES = 200


@dataclass
class RowError:
    row: int | None
    column: str
    message: str

    def as_text(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {
            "row": self.row,
            "message": self.message,
        }


@dataclass
class Change:
    row: int
    kind: str  # "new" or "update"
    key: str
    fields: dict[str, list]  # column -> [old, new]


@dataclass
class ImportReport:
    kind: str
    filename: str = ""
    dry_run: bool = False
    total_rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    encoding: str = ""
    committed: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int | None, column: str, message) -> None:
        self.errors.append(RowError(row, column, str(message)))

    def add_change(self, change: Change) -> None:
        if len(self.changes) < MAX_CHANGE_SAMPLES:
            self.changes.append(change)

    def sorted_errors(self) -> list[RowError]:
        return sorted(
            self.errors, key=lambda e: (e.row is not None, e.row or 0, e.column)
        )

    def summary(self) -> str:
        return _(
            "%(total)s rows: %(new)s new, %(updated)s changed, %(unchanged)s "
            "unchanged, %(invalid)s with errors."
        ) % {
            "total": self.total_rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid_rows,
        }

    def outcome(self) -> str:
        if self.errors:
            return _("Nothing was written: correct the rows above and import again.")
        if self.dry_run:
            return _("Dry run: nothing was written.")
        return _("The import was written.")

    def as_text(self) -> str:
        lines = [self.summary()]
        lines += [error.as_text() for error in self.sorted_errors()]
        lines += [_("Note: %(warning)s") % {"warning": w} for w in self.warnings]
        lines.append(self.outcome())
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        data = dict(data)
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        data["changes"] = [Change(**c) for c in data.get("changes", [])]
        return cls(**data)
