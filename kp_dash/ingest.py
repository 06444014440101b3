"""Read and validate files against the data contract; every problem is reported in one pass.

The demonstration data and imported department files go through this same path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from kp_dash import config
from kp_dash.districts import DistrictResolver

SEXES = ("female", "male", "transgender", "unknown")
AREAS = ("urban", "rural", "unknown")
AGE_BANDS = ("0-4", "5-14", "15-24", "25-59", "60+", "unknown")
SEX_SYNONYMS = {
    "f": "female",
    "m": "male",
    "women": "female",
    "men": "male",
    "woman": "female",
    "man": "male",
    "t": "transgender",
}

# contract column -> accepted synonyms (matched ignoring case, spaces and underscores)
USAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "month": ("period", "month_start"),
    "district": ("district_name", "district_code"),
    "service": ("service_code",),
    "channel": ("mode",),
    "sex": ("gender",),
    "area": ("urban_rural",),
    "age_band": ("age_group",),
    "transactions": ("count", "applications"),
    "users": ("unique_users",),
}
USAGE_REQUIRED = ("month", "district", "service", "channel", "transactions")
USAGE_DEFAULTS = {"sex": "unknown", "area": "unknown", "age_band": "unknown"}
USAGE_KEY = ("month_start", "district_code", "service_code", "channel", "sex", "area", "age_band")
PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "message"]
FIRST_DATA_ROW = 2  # a spreadsheet shows the header as row 1


@dataclass
class Validation:
    """The outcome of validating one file: normalised rows, or the problems that reject it."""

    file: str
    rows: pd.DataFrame
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def problem_lines(self) -> list[str]:
        return [_problem_line(p) for p in self.problems.itertuples(index=False)]


def _problem_line(p: tuple) -> str:
    place = ", ".join(part for part in (f"row {p.row}" if p.row else "", p.column) if part)
    return f"{p.file}: {place}: {p.message}" if place else f"{p.file}: {p.message}"


def _key(name: object) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


def _problems(file: str, rows, column: str, values, rule: str, messages) -> pd.DataFrame:
    rows = np.asarray(rows)
    return pd.DataFrame(
        {
            "file": file,
            "row": rows,
            "column": column,
            "value": pd.Series(values, dtype="object").to_numpy(),
            "rule": rule,
            "message": pd.Series(messages, dtype="object").to_numpy(),
        }
    )


def match_columns(columns: list[object], spec: dict[str, tuple[str, ...]]) -> tuple[dict, list]:
    """Map contract columns to the file's header names; returns (mapping, problems as tuples)."""
    lookup = {_key(name): contract for contract, syns in spec.items() for name in (contract, *syns)}
    mapping: dict[str, object] = {}
    clashes = []
    for column in columns:
        contract = lookup.get(_key(column))
        if contract is None:
            continue
        if contract in mapping:
            clashes.append((contract, column, mapping[contract]))
        else:
            mapping[contract] = column
    return mapping, clashes


def _texts(series: pd.Series) -> pd.Series:
    """Cells as trimmed text; blanks become NA."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _map_distinct(series: pd.Series, fn) -> pd.Series:
    """Apply fn once per distinct value: files have millions of rows but few distinct names."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=object)
    return pd.Series(mapped[codes], index=series.index)


def parse_month(value: object) -> date | None:
    """`YYYY-MM`, or a date whose month is used."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return date(value.year, value.month, 1)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2})(?:[ T].*)?)?", text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    if match.group(3):
        try:
            date(year, month, int(match.group(3)))
        except ValueError:
            return None
    return date(year, month, 1)


class UsageValidator:
    """Validates a usage frame against CONTRACTS.md, collecting every problem."""

    def __init__(self, resolver: DistrictResolver, services: pd.DataFrame, today: date):
        self.resolver = resolver
        self.today = today
        self.service_codes = set(services["service_code"])
        self.service_names = dict(
            zip(services["service_name"].str.lower(), services["service_code"], strict=True)
        )
        self.channels = set(pd.read_csv(config.SEED_DIR / "channels.csv")["channel"])

    def validate(self, frame: pd.DataFrame, file: str) -> Validation:
        problems: list[pd.DataFrame] = []
        if frame.empty:
            message = "the file has no data rows (it is empty or has a header alone)"
            problems.append(_problems(file, [0], "", [""], "empty_file", [message]))
            return Validation(file, pd.DataFrame(), pd.concat(problems))
        mapping, clashes = match_columns(list(frame.columns), USAGE_COLUMNS)
        for contract, column, first in clashes:
            message = f"columns '{first}' and '{column}' both give '{contract}'; keep one"
            problems.append(
                _problems(file, [1], str(column), [column], "duplicate_column", [message])
            )
        missing = [c for c in USAGE_REQUIRED if c not in mapping]
        for column in missing:
            names = ", ".join(f"'{n}'" for n in (column, *USAGE_COLUMNS[column]))
            message = f"required column is missing (accepted headers: {names})"
            problems.append(_problems(file, [1], column, [""], "missing_column", [message]))
        if missing or clashes:
            return Validation(file, pd.DataFrame(), pd.concat(problems, ignore_index=True))
        rownum = np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))
        cells = {c: frame[mapping[c]].reset_index(drop=True) for c in mapping}
        out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
        out["month_start"] = self._months(cells["month"], file, rownum, problems)
        out["district_code"] = self._districts(cells["district"], file, rownum, problems)
        out["service_code"] = self._services(cells["service"], file, rownum, problems)
        out["channel"] = self._codes(
            cells["channel"], "channel", self.channels, {}, file, rownum, problems
        )
        for column, allowed, synonyms in (
            ("sex", SEXES, SEX_SYNONYMS),
            ("area", AREAS, {}),
            ("age_band", AGE_BANDS, {}),
        ):
            values = cells.get(column, pd.Series(USAGE_DEFAULTS[column], index=out.index))
            filled = _texts(values).fillna(USAGE_DEFAULTS[column])
            out[column] = self._codes(
                filled, column, set(allowed), synonyms, file, rownum, problems
            )
        out["transactions"] = self._counts(
            cells["transactions"], "transactions", file, rownum, problems, required=True
        )
        users = cells.get("users")
        out["users"] = (
            self._counts(users, "users", file, rownum, problems, required=False)
            if users is not None
            else pd.array([pd.NA] * len(out), dtype="Int64")
        )
        self._users_within_transactions(out, file, rownum, problems)
        self._repeated_keys(out, file, rownum, problems)
        found = pd.concat(problems, ignore_index=True) if problems else _empty_problems()
        if not found.empty:
            found = found.sort_values(["row", "column"], kind="stable", ignore_index=True)
            return Validation(file, pd.DataFrame(), found)
        out["transactions"] = out["transactions"].astype("int64")
        return Validation(file, out, found)

    def _months(self, cells, file, rownum, problems) -> pd.Series:
        months = _map_distinct(cells, parse_month)
        bad = months.isna()
        if bad.any():
            values = cells[bad].astype("string").fillna("")
            messages = "'" + values + "' is not a month; write it as YYYY-MM (e.g. 2025-03)"
            problems.append(_problems(file, rownum[bad], "month", values, "bad_month", messages))
        current = date(self.today.year, self.today.month, 1)
        future = months.map(lambda m: m is not None and m > current, na_action="ignore")
        future = future.fillna(False).astype(bool)
        if future.any():
            values = cells[future].astype("string")
            messages = (
                "'" + values + f"' is in the future (latest allowed month is {current:%Y-%m})"
            )
            problems.append(
                _problems(file, rownum[future], "month", values, "future_month", messages)
            )
        return pd.to_datetime(months.where(~bad & ~future), errors="coerce")

    def _districts(self, cells, file, rownum, problems) -> pd.Series:
        texts = _texts(cells)
        resolutions = self.resolver.resolve_many(texts.dropna().unique())
        codes = texts.map(lambda t: resolutions[t].district_code, na_action="ignore")
        bad = codes.isna()
        if bad.any():
            messages = texts[bad].map(
                lambda t: _district_message(t, resolutions.get(t)), na_action=None
            )
            messages = messages.fillna("district is blank; give a P-code (PK501-PK535) or a name")
            problems.append(
                _problems(
                    file,
                    rownum[bad],
                    "district",
                    texts[bad].fillna(""),
                    "unknown_district",
                    messages,
                )
            )
        return codes

    def _services(self, cells, file, rownum, problems) -> pd.Series:
        def to_code(value):
            if value is None or value is pd.NA:
                return None
            text = str(value).strip()
            if text.lower() in self.service_codes:
                return text.lower()
            return self.service_names.get(text.lower())

        codes = _map_distinct(_texts(cells), to_code)
        bad = codes.isna()
        if bad.any():
            known = ", ".join(sorted(self.service_codes))
            values = _texts(cells)[bad].fillna("")
            messages = "'" + values + f"' is not a service code (known: {known})"
            problems.append(
                _problems(file, rownum[bad], "service", values, "unknown_service", messages)
            )
        return codes

    def _codes(self, cells, column, allowed, synonyms, file, rownum, problems) -> pd.Series:
        def to_code(value):
            if value is None or value is pd.NA:
                return None
            text = str(value).strip().lower().replace(" ", "_")
            text = synonyms.get(text, text)
            return text if text in allowed else None

        codes = _map_distinct(_texts(cells), to_code)
        bad = codes.isna()
        if bad.any():
            known = ", ".join(sorted(allowed))
            values = _texts(cells)[bad].fillna("")
            messages = "'" + values + f"' is not a known {column} (use one of: {known})"
            problems.append(
                _problems(file, rownum[bad], column, values, f"unknown_{column}", messages)
            )
        return codes

    def _counts(self, cells, column, file, rownum, problems, required: bool) -> pd.Series:
        numbers = pd.to_numeric(cells, errors="coerce")
        blank = (
            _texts(cells).isna()
            if cells.dtype == object or cells.dtype == "string"
            else cells.isna()
        )
        rules = [
            ("not_a_number", numbers.isna() & ~blank, "is not a number"),
            ("negative_count", numbers < 0, "is negative; counts are whole numbers ≥ 0"),
            (
                "fractional_count",
                (numbers % 1 != 0) & numbers.notna(),
                "is not a whole number; counts are whole numbers ≥ 0",
            ),
        ]
        if required:
            rules.append(("missing_count", blank, "is blank; give a whole number ≥ 0"))
        for rule, mask, text in rules:
            mask = mask.fillna(False).astype(bool)
            if mask.any():
                values = cells[mask].astype("string").fillna("")
                messages = "'" + values + f"' {text}"
                problems.append(_problems(file, rownum[mask], column, values, rule, messages))
        valid = numbers.where((numbers >= 0) & (numbers % 1 == 0))
        return valid.round().astype("Int64")

    def _users_within_transactions(self, out, file, rownum, problems) -> None:
        above = (out["users"] > out["transactions"]).fillna(False).astype(bool)
        if above.any():
            users = out.loc[above, "users"].astype("string")
            messages = (
                "'"
                + users
                + "' users is more than the row's "
                + out.loc[above, "transactions"].astype("string")
                + " transactions; users must be ≤ transactions"
            )
            problems.append(
                _problems(file, rownum[above], "users", users, "users_above_transactions", messages)
            )

    def _repeated_keys(self, out, file, rownum, problems) -> None:
        key = list(USAGE_KEY)
        complete = out[key].notna().all(axis=1)
        repeated = out[key].duplicated(keep="first") & complete
        if not repeated.any():
            return
        first_row = (
            pd.Series(rownum, index=out.index)
            .groupby([out[c] for c in key], dropna=True)
            .transform("min")
        )
        rows = rownum[repeated]
        messages = (
            "repeats the key (month, district, service, channel, sex, area, age band) "
            "of row "
            + first_row[repeated].astype("int64").astype("string")
            + "; combine the two rows or correct one"
        )
        problems.append(_problems(file, rows, "", [""] * len(rows), "repeated_key", messages))


def _district_message(text: str, resolution) -> str:
    if resolution is None:
        return f"'{text}' is not a KP district"
    if resolution.method == "parent":
        return f"'{text}' names an old parent district: {resolution.suggestion()}"
    if resolution.method == "ambiguous":
        return f"'{text}' matches more than one district; use the P-code"
    suggestion = resolution.suggestion()
    tail = f" — {suggestion}" if suggestion else "; give a P-code (PK501-PK535) or a district name"
    return f"'{text}' is not a KP district{tail}"


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet file with every cell as text (numbers are validated later)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=str, engine="calamine")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
