"""Mapping the columns of a department file whose headers the contract does not name, as the
Data page asks for it: each column of the header row with a few of its values and a choice of
contract field, what keeps the mapping from being confirmed, and saving it.

No streamlit here, so each piece is unit-testable; the page only wires widgets to these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kp_dash.store import intake, isolated, kinds, layout, mappings, rules
from kp_dash.store.mappings import IGNORE, ColumnMapping, shortened
from kp_dash.views.data_page import Outcome, Request
from kp_dash.views.markdown import inert

MAPPING_INTRO = (
    "**Map the columns**: the header of this file does not name the columns the contract asks "
    "for. Choose for each column the field it holds (or *ignore*); the mapping is saved for the "
    "source above and applied to its next files with the same headers."
)
MAP_KIND_WIDGET = {
    "label": "Kind of this file",
    "options": kinds.MAPPED,
    "index": None,
    "placeholder": "Choose the kind first",
    "key": "data_map_kind",
}


@dataclass(frozen=True)
class MappedColumn:
    """A named column of the file's header row, with a few of its values."""

    position: int
    header: str
    samples: tuple[str, ...]

    @property
    def label(self) -> str:
        shown = ", ".join(inert(shortened(v, 30)) for v in self.samples) or "no values"
        return f"Column {self.position + 1}: {inert(shortened(self.header))} (e.g. {shown})"


@dataclass(frozen=True)
class MappingForm:
    """What the page asks to map a file's header row: its named columns, for a kind (None:
    the kind is asked first)."""

    header: tuple[str, ...]
    columns: tuple[MappedColumn, ...]
    kind: str | None

    @staticmethod
    def options(kind: str) -> list[str]:
        return [*kinds.get(kind).columns, IGNORE]

    @staticmethod
    def option_label(kind: str, field: str) -> str:
        if field == IGNORE:
            return "ignore (leave the column out)"
        return f"{field} (required)" if field in kinds.get(kind).required else field

    def preselected(self, kind: str, column: MappedColumn) -> int:
        """A header the contract already names starts at its field, any other at 'ignore'."""
        found, _ = rules.match_columns([column.header], kinds.get(kind).columns)
        options = self.options(kind)
        return options.index(next(iter(found), IGNORE))

    def key(self, kind: str, column: MappedColumn) -> str:
        return f"data_map_{mappings.signature(self.header)}_{kind}_{column.position}"

    def selectboxes(self, kind: str | None) -> list[dict[str, object]]:
        """Arguments of one field choice per column (none until the kind is known)."""
        return [
            {
                "label": column.label,
                "options": self.options(kind),
                "index": self.preselected(kind, column),
                "key": self.key(kind, column),
                "format_func": lambda field: self.option_label(kind, field),
            }
            for column in (self.columns if kind else ())
        ]

    def fields(self, picks: list[str]) -> tuple[str, ...]:
        """A field for every header cell: the picks for named columns, 'ignore' for others."""
        chosen = {c.position: pick for c, pick in zip(self.columns, picks, strict=True)}
        return tuple(chosen.get(i, IGNORE) for i in range(len(self.header)))

    def problems(self, kind: str, picks: list[str]) -> list[str]:
        return mappings.field_problems(kind, self.fields(picks), self.header)

    def mapping(self, kind: str, picks: list[str], source: str) -> ColumnMapping:
        return ColumnMapping(self.header, self.fields(picks), kind, mappings.clean_source(source))


def mapping_form(request: Request, result: intake.ImportResult | None) -> MappingForm | None:
    """The columns to map, when the file was refused because its header does not name the
    contract's columns (or its title rows were taken for a header); else None."""
    if result is None or result.status != "rejected" or result.validation is None:
        return None
    if any(k in kinds.ALL and kinds.get(k).log for k in (request.kind, result.kind)):
        return None  # a log is read by the contract's names: no mapping cures its header
    found = set(result.validation.problems["rule"])
    if not found & mappings.HEADER_RULES and "wrong_cell_count" not in found:
        return None
    preview = _file_preview(request.path, request.display_name, request.sheet)
    if preview is None:
        return None
    header, columns = preview
    if not found & mappings.HEADER_RULES and layout.is_complete_header(header):
        return None  # a recognised header with a row of the wrong width: no mapping cures it
    kind = request.kind or result.kind or rules.guess_kind(list(header))
    return MappingForm(header, columns, kind)


@lru_cache(maxsize=8)
def _file_preview(
    path: Path, name: str, sheet: str | None
) -> tuple[tuple[str, ...], tuple[MappedColumn, ...]] | None:
    """The header row a file appears to have and its named columns with their first values,
    read in a process of its own as the import reads them (`store.isolated`); uploads are named
    by content, so a path is a content."""
    preview = isolated.run_preview(path, name, sheet)
    if preview is None:
        return None
    header, columns = preview
    return header, tuple(MappedColumn(*column) for column in columns)


def confirm_mapping(
    form: MappingForm,
    kind: str,
    picks: list[str],
    source: str,
    who: str | None,
    address: str | None = None,
) -> Outcome:
    """Save the mapping a person confirmed (the Data page is open to those who may import)."""
    mapping = form.mapping(kind, picks, source)
    try:
        mappings.save(mapping, who, address)
    except mappings.MappingError as error:
        return Outcome("error", inert(str(error)))
    return Outcome(
        "success",
        f"Column mapping saved for {inert(mapping.source)}: its next files with these headers "
        "are read the same way.",
    )


def mapping_wait(form: MappingForm, kind: str | None, picks: list[str], source: str) -> str:
    """Why the mapping cannot be confirmed yet (empty when it can)."""
    if kind is None:
        return "Before confirming: choose the kind of this file."
    if problems := form.problems(kind, picks):
        return "Before confirming: " + "; ".join(inert(p) for p in problems) + "."
    if not mappings.clean_source(source):
        return "Before confirming: give the source (the department or office) above."
    return ""
