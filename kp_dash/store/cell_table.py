"""A file's cells in DuckDB, and the column readers that turn them into codes and numbers.

A file has millions of rows but few distinct names, codes and months. Each distinct value of a
coded column is read in Python once (the district resolver, the code lists, the month reader of
`values`); its reading goes to DuckDB as a small lookup table, and SQL joins the readings back
to the rows, finds the rows that break a rule and assembles the accepted rows. A code is held as
its position in the column's sorted list of codes, so the rows DuckDB assembles are numbers
alone and become pandas categories without a string per row. Numbers are cast in SQL; only a
number written otherwise than plainly (separators, Urdu digits, a dash) goes through Python,
once per distinct text. A Parquet file is scanned in place, never held as a frame of cells, and
DuckDB keeps to its memory limit, spilling the rest to a folder under `KP_DASH_STATE`.

Every reader adds its problem rows (file, row as a spreadsheet shows it, column, value as
written, rule, message) in the same words as the rest of the checks (`cells`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa_arrow

from kp_dash.store import config
from kp_dash.store.cells import WHOLE_FILE, problem_rows, unknown_code_message

_LOOKUP = re.compile(r"\blookup_\d+\b")


def connect(share: int = 8) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one file's checks, within a `share` of the import's memory (an
    eighth by default: the rest is for the rows accepted as a frame), spilling to a folder
    under `KP_DASH_STATE`."""
    spill = config.state_dir() / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    settings = {
        "memory_limit": f"{config.import_memory_mb() // share}MB",
        "temp_directory": str(spill),
        "preserve_insertion_order": "true",
    }
    return duckdb.connect(config=settings)


@contextmanager
def checking(share: int = 8) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(share)
    try:
        yield con
    finally:
        con.close()


def clean(value: object) -> object:
    """A cell as trimmed text, None when blank (dates and numbers pass unchanged)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value


def shown(values: list) -> list[str]:
    """Values as a problem line shows them (pandas' text of each, '' for a blank)."""
    return list(pd.Series(values, dtype=object).astype("string").fillna(""))


def literal(text: str | None) -> str:
    """A constant of the code's own as an SQL literal (never a value from a file)."""
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def quoted(value: str) -> str:
    """SQL: the value (SQL) in single quotes, as a problem line shows a cell."""
    return f"'''' || {value} || ''''"


def sentence(value: str, text: str) -> str:
    """SQL of a message: the value (SQL) in quotes, then the code's own `text`."""
    return f"{quoted(value)} || {literal(' ' + text)}"


@dataclass(frozen=True)
class Read:
    """What a reader gives: the SQL of each row's value, and for a code the sorted list of codes
    the value is a position in; `lookup` names the table of readings (its fields may be read)."""

    sql: str
    categories: tuple[str, ...] | None = None
    lookup: str | None = None


class CellTable:
    """The data rows of one file as the DuckDB relation `cells`: `row` (as a spreadsheet shows
    it) and one column per contract column present, named by the contract."""

    def __init__(self, con: duckdb.DuckDBPyConnection, file: str, columns: tuple[str, ...]):
        self.con = con
        self.file = file
        self.columns = columns
        self.limit: int | None = None  # problem rows listed per rule (a log's), None: all
        self.distinct_values: dict[str, list] = {}
        self.categories: dict[str, tuple[str, ...]] = {}  # of each parsed code column
        self._lookups: list[tuple[str, str]] = []  # (name, column joined on)
        self._names = (f"lookup_{n}" for n in itertools.count())

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def row_count(self) -> int:
        return self.con.execute("select count(*) from cells").fetchall()[0][0]

    # --- how the cells arrive ----------------------------------------------------------------

    @classmethod
    def from_frame(
        cls, con, file: str, cells: dict[str, pd.Series], rownum: np.ndarray, coded: set[str]
    ) -> CellTable:
        """Cells a layout step has read (title rows, wide sheets, Excel): a coded column as the
        position of each cell's value among the column's distinct values (which stay Python
        objects: a date is a date), a number column as numbers, any other as text."""
        frame = pd.DataFrame({"row": np.asarray(rownum, dtype="int32")})
        distinct = {}
        for column, series in cells.items():
            series = series.reset_index(drop=True)
            if column in coded:
                codes, uniques = pd.factorize(series, use_na_sentinel=True)
                frame[column] = np.where(codes < 0, len(uniques), codes).astype("int32")
                distinct[column] = [*uniques, None]
            elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
                frame[column] = series
            else:
                frame[column] = series.astype("string")
        con.register("cells_frame", frame)
        con.execute("create table cells as select * from cells_frame")
        con.unregister("cells_frame")
        table = cls(con, file, tuple(cells))
        table.distinct_values = distinct
        return table

    # --- distinct values and lookups ------------------------------------------------------------

    def values(self, column: str) -> tuple[list, pa_arrow.Array]:
        """The column's distinct values as Python objects, and as the column holds them."""
        if column in self.distinct_values:
            values = self.distinct_values[column]
            return values, pa_arrow.array(range(len(values)), pa_arrow.int32())
        held = self.con.sql(f"select distinct {column} as raw from cells").to_arrow_table()
        raw = held.column("raw").combine_chunks()
        return raw.to_pylist(), raw

    def counts(self, column: str, raw: pa_arrow.Array) -> list[int]:
        """How many cells hold each of `raw` (some of the column's distinct values)."""
        at = pa_arrow.array(range(len(raw)), pa_arrow.int64())
        self.con.register("counted_values", pa_arrow.table({"raw": raw, "at": at}))
        try:
            found = self.con.execute(
                "select count(c.row) from counted_values v left join cells c "
                f"on c.{column} is not distinct from v.raw group by v.at order by v.at"
            ).fetchall()
        finally:
            self.con.unregister("counted_values")
        return [n for (n,) in found]

    def lookup(self, column: str, raw: pa_arrow.Array, fields: dict[str, object]) -> str:
        """A table of readings (one row per distinct value of `column`), joined to the cells by
        value wherever its name appears in a query; returns its name."""
        name = next(self._names)
        self.con.register(f"{name}_frame", pa_arrow.table({"raw": raw, **fields}))
        self.con.execute(f"create table {name} as select * from {name}_frame")
        self.con.unregister(f"{name}_frame")
        self._lookups.append((name, column))
        return name

    def _joins(self, *sql: str) -> str:
        """The joins of the lookups that the SQL texts name."""
        named = set(_LOOKUP.findall(" ".join(sql)))
        return " ".join(
            f"left join {name} on cells.{column} is not distinct from {name}.raw"
            for name, column in self._lookups
            if name in named
        )

    # --- problems ------------------------------------------------------------------------------

    def find(
        self, where: str, column: str, value: str, rule: str, message: str, problems: list
    ) -> None:
        """One problem row per row where `where` holds; `where`, `value` and `message` are SQL
        over `cells` and the lookups they name."""
        joins = self._joins(where, value, message)
        found = self.con.execute(
            f"select cells.row, {value} as value, {message} as message from cells "
            f"{joins} where {where} order by cells.row{self._limit()}"
        ).df()
        self._add(found, column, rule, problems)
        if self.limit is not None and len(found) > self.limit:
            self._more(f"select count(*) from cells {joins} where {where}", column, rule, problems)

    def rule(
        self,
        where: str,
        column: str,
        value: str,
        rule: str,
        text: str,
        problems: list,
        message: str | None = None,
    ) -> None:
        """A rule on the parsed values: `where` is SQL over `parsed`; the problem shows the
        cell as written (`value`, SQL over `cells`, the lookups and `parsed`), quoted, then
        `text`, unless a `message` (SQL) is given."""
        broken = self.con.execute(
            f"select row from parsed where {where} order by row{self._limit()}"
        ).fetchall()
        if not broken:  # the usual case, found without going back to the cells
            return
        said = message or sentence(value, text)
        self.con.register("broken_rows", pd.DataFrame({"row": [r for (r,) in broken]}))
        try:
            found = self.con.execute(
                f"select cells.row, {value} as value, {said} as message from broken_rows "
                f"join parsed using (row) join cells on cells.row = parsed.row "
                f"{self._joins(value, said)} order by cells.row"
            ).df()
        finally:
            self.con.unregister("broken_rows")
        self._add(found, column, rule, problems)
        if self.limit is not None and len(broken) > self.limit:
            self._more(f"select count(*) from parsed where {where}", column, rule, problems)

    def _limit(self) -> str:
        return "" if self.limit is None else f" limit {self.limit + 1}"

    def _more(self, counting: str, column: str, rule: str, problems: list) -> None:
        """The last problem listed of a rule, replaced by how many rows break it in all."""
        total = self.con.execute(counting).fetchall()[0][0]
        problems[-1] = problems[-1].iloc[: self.limit]
        message = (
            f"{total:,} rows break this rule in all; the first {self.limit:,} are listed: "
            "correct the system's export, then send the file again"
        )
        problems.append(problem_rows(self.file, [WHOLE_FILE], column, [""], rule, [message]))

    def _add(self, found: pd.DataFrame, column: str, rule: str, problems: list) -> None:
        if not found.empty:
            rows = found["row"].to_numpy()
            problems.append(
                problem_rows(self.file, rows, column, found["value"], rule, found["message"])
            )

    # --- readers ---------------------------------------------------------------------------------

    def codes(
        self,
        column: str,
        to_code: Callable[[object], str | None],
        rule: str,
        message: Callable[[object, str], str],
        problems: list,
        extra: dict[str, Callable[[object], object]] | None = None,
    ) -> Read:
        """Codes read from each distinct value, trimmed; a value with none is a problem whose
        `message` is said of the value (and of it as written), unless the message is None. The
        lookup holds the value as `written` ('' for a blank), as a problem line `shown`s the
        cell, and each `extra` field of it."""
        values, raw = self.values(column)
        cleaned = [clean(v) for v in values]
        codes = [to_code(c) for c in cleaned]
        categories = tuple(sorted({c for c in codes if c is not None}))
        position = {code: at for at, code in enumerate(categories)}
        written = ["" if c is None else str(c) for c in cleaned]
        said = [
            message(c, w) if code is None else None
            for c, w, code in zip(cleaned, written, codes, strict=True)
        ]  # a value with no code and nothing said (a province, a parent district) is no problem
        fields = {name: [field(c) for c in cleaned] for name, field in (extra or {}).items()}
        code_id = pa_arrow.array([position.get(c) for c in codes], pa_arrow.int16())
        held = {"code_id": code_id, "code": codes, "written": written, "shown": shown(values)}
        name = self.lookup(column, raw, held | {"said": said} | fields)
        self.find(
            f"{name}.said is not null", column, f"{name}.written", rule, f"{name}.said", problems
        )
        return Read(f"{name}.code_id", categories, name)

    def listed(
        self,
        column: str,
        known: list[str],
        problems: list,
        to_code: Callable[[object], str | None] | None = None,
    ) -> Read:
        """Codes from a list, whatever their case (or as `to_code` reads a value); an unknown
        one is a problem with the closest known code as a suggestion."""

        wanted = set(known)

        def in_list(value: object) -> str | None:
            text = None if value is None else str(value).lower()
            return text if text in wanted else None

        return self.codes(
            column,
            to_code or in_list,
            f"unknown_{column}",
            lambda _, written: unknown_code_message(written, column, known),
            problems,
        )

    def coded(
        self,
        column: str,
        allowed: set[str],
        synonyms: dict[str, str],
        problems: list,
        default: str | None = None,
    ) -> Read:
        """Codes from a short list (case, spaces and `synonyms` forgiven); a blank, and a column
        the file leaves out, read as `default` when there is one."""
        if column not in self:
            return Read("0", (default,))

        def to_code(value: object) -> str | None:
            value = default if value is None else value
            if value is None:
                return None
            text = str(value).strip().lower().replace(" ", "_")
            text = synonyms.get(text, text)
            return text if text in allowed else None

        known = ", ".join(sorted(allowed))
        return self.codes(
            column,
            to_code,
            f"unknown_{column}",
            lambda _, written: f"'{written}' is not a known {column} (use one of: {known})",
            problems,
        )

    # --- the parsed rows ------------------------------------------------------------------------

    def as_text(self, read: Read) -> Read:
        """A code reader's value as the code's text instead of its position."""
        if read.lookup is not None:
            return Read(f"{read.lookup}.code")
        return Read(literal(read.categories[0]) if read.categories else "null::varchar")

    def parse(self, values: dict[str, Read], materialise: bool = True) -> None:
        """The table `parsed`: each row's number and the value each reader gave; a view
        instead when not `materialise`d (a log read again by each rule, never held)."""
        picked = ", ".join(f"{read.sql} as {name}" for name, read in values.items())
        self.categories = {n: r.categories for n, r in values.items() if r.categories is not None}
        what = "table" if materialise else "view"
        self.con.execute(
            f"create {what} parsed as select cells.row, {picked} from cells {self._joins(picked)}"
        )

    def repeated_keys(self, keys: tuple[str, ...], key_words: str, problems: list) -> None:
        """A row repeating the key of an earlier one is a problem (the first of them is not).
        Rows with a problem already are left out: a value that could not be read is no key to
        repeat; the earlier row named is the first of the key, with a problem or not."""
        partition = ", ".join(keys)
        # a wholly blank key (an event without an id) is no key: it repeats nothing
        keyed = f"from parsed where not ({' and '.join(f'{k} is null' for k in keys)})"
        repeated = self.con.execute(
            f"select count(*) from (select 1 {keyed} group by {partition} having count(*) > 1)"
        ).fetchall()[0][0]
        if not repeated:  # the usual case, found by one hash aggregate
            return
        flagged = sorted({int(r) for found in problems for r in found["row"] if pd.notna(r)})
        self.con.register("flagged_rows", pd.DataFrame({"row": np.array(flagged, dtype="int64")}))
        repeats = (
            f"from (select row, min(row) over (partition by {partition}) as first_row, "
            f"row_number() over (partition by {partition} order by row) as nth {keyed}"
            ") where nth > 1 and row not in (select row from flagged_rows)"
        )
        try:
            found = self.con.execute(
                f"select row, first_row {repeats} order by row{self._limit()}"
            ).df()
            total = len(found)
            if self.limit is not None and total > self.limit:
                total = self.con.execute(f"select count(*) {repeats}").fetchall()[0][0]
        finally:
            self.con.unregister("flagged_rows")
        if found.empty:
            return
        messages = (
            f"repeats the key ({key_words}) of row "
            + found["first_row"].astype("string")
            + "; combine the two rows or correct one"
        )
        rows = found["row"].to_numpy()
        problems.append(
            problem_rows(self.file, rows, "", [""] * len(rows), "repeated_key", messages)
        )
        if total > len(found):
            self._more(f"select {total}", "", "repeated_key", problems)

    def replace_rows(self, rows: list[int], replacement: pd.DataFrame) -> None:
        """Parsed rows replaced by others (in `decoded` form, with their `row`), in file order."""
        self.con.register("replacing_rows", self.encoded(replacement))
        try:
            self.con.execute(
                "create or replace table parsed as select * from ("
                "select * from parsed where row not in (select unnest($rows::integer[])) "
                "union all by name select * from replacing_rows) order by row",
                {"rows": rows},
            )
        finally:
            self.con.unregister("replacing_rows")

    def small_table(self, name: str, frame: pd.DataFrame) -> None:
        """A small table of the code's own (never a file's) that rules may read by `name`."""
        self.con.register(f"{name}_frame", frame)
        self.con.execute(f"create or replace table {name} as select * from {name}_frame")
        self.con.unregister(f"{name}_frame")

    def code_is(self, column: str, code: str) -> str:
        """SQL: whether a parsed code column holds `code`."""
        categories = self.categories.get(column, ())
        return f"{column} = {categories.index(code)}" if code in categories else "false"

    def decoded(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Parsed rows with each code column's positions as categories of its codes."""
        for column in frame.columns.intersection(list(self.categories)):
            positions = frame[column].fillna(-1).to_numpy(dtype="int16")
            frame[column] = pd.Categorical.from_codes(positions, self.categories[column])
        return frame

    def encoded(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The reverse of `decoded`: codes as their positions."""
        frame = frame.copy()
        for column in frame.columns.intersection(list(self.categories)):
            codes = pd.Categorical(frame[column], categories=self.categories[column]).codes
            frame[column] = pd.array(np.where(codes < 0, None, codes), dtype="Int16")
        return frame

    def rows(self, columns: list[str]) -> pd.DataFrame:
        """The parsed rows in file order: codes as categories, months as datetime64[ns]."""
        # `parsed` is in file order (insertion order is kept; `replace_rows` keeps it so): a
        # scan gives the rows in order without sorting millions of them again
        table = self.con.sql(f"select {', '.join(columns)} from parsed")
        # each Arrow column is let go once converted: the rows are not held twice
        frame = table.to_arrow_table().to_pandas(
            date_as_object=False, self_destruct=True, split_blocks=True
        )
        for column in frame.columns[frame.dtypes.map(pd.api.types.is_datetime64_dtype)]:
            frame[column] = frame[column].astype("datetime64[ns]")
        return self.decoded(frame)
