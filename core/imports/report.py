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

    def as_text(self, *, lines: bool = False) -> str:
        """`lines`: the row number is a line number (text formats such as GIFT)."""
        if self.row is None:
            return self.message
        values = {"row": self.row, "column": self.column, "message": self.message}
        if lines:
            if self.column:
                return _("Line %(row)s, column %(column)s: %(message)s") % values
            return _("Line %(row)s: %(message)s") % values
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % values
        return _("Row %(row)s: %(message)s") % values


@dataclass
class SkippedItem:
    """A record the file holds but this import leaves out on purpose (e.g. a
    GIFT question of a type the bank does not have)."""

    row: int
    name: str
    reason: str

    def as_text(self) -> str:
        return _("Line %(row)s: “%(name)s” skipped (%(reason)s).") % {
            "row": self.row,
            "name": self.name,
            "reason": self.reason,
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
    skipped: list[SkippedItem] = field(default_factory=list)
    encoding: str = ""
    format: str = ""
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

    @property
    def rows_are_lines(self) -> bool:
        """Row numbers are line numbers (a text format such as GIFT)."""
        return self.format not in ("", "csv", "xlsx")

    def summary(self) -> str:
        text = _(
            "%(total)s rows: %(new)s new, %(updated)s changed, %(unchanged)s "
            "unchanged, %(invalid)s with errors."
        ) % {
            "total": self.total_rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid_rows,
        }
        if self.skipped:
            text += " " + _("%(count)s skipped.") % {"count": len(self.skipped)}
        return text

    def outcome(self) -> str:
        if self.errors:
            return _("Nothing was written: correct the rows above and import again.")
        if self.dry_run:
            return _("Dry run: nothing was written.")
        return _("The import was written.")

    def as_text(self) -> str:
        lines = [self.summary()]
        lines += [
            error.as_text(lines=self.rows_are_lines) for error in self.sorted_errors()
        ]
        lines += [item.as_text() for item in self.skipped]
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
        data["skipped"] = [SkippedItem(**s) for s in data.get("skipped", [])]
        return cls(**data)
