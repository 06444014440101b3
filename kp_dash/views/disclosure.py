"""Disclosure control: the one rule for small counts in everything people download or print.

METRICS.md ("Rules"): "a cell with fewer than 10 transactions is shown as `<10`". Applied by
`kp_dash.views.exports.export_frame` to every CSV, Excel and GeoJSON, and by the briefing to
its PDF; a page never names its count columns.

- *Which columns are counts* (`count_columns`), decided here and nowhere else, by the column's
  name (a display label such as "Digital transactions" is read as `digital_transactions`):
  the names under which the metric registry counts service records (`registry.counted()`:
  `digital_transactions`, `all_transactions`, `users`, `mean_monthly_users`…), `OTHER_COUNTS`,
  and the generic `numerator` and `denominator` of a metric frame when that metric's
  components are counts (without a metric they are taken as counts: the safe side). Census and
  survey figures (`eligible_population`, `population_10plus`, households…) are published
  already and are never suppressed; neither are months, file rows or model estimates.
  Two Quality tables name a count `value`: beside a modified z (outliers) or a check
  (consistency) `value`, and `expected` beside the z, are monthly transactions (`COUNTS_BESIDE`).
- *Suppression* (`suppress_counts`): every count from 1 to 9 reads `<10`; 0 stays 0 (nothing
  happened: no one to identify); 10 and above stay; a missing value (no data) stays empty.
- *Small numerators* (`protect`): where a rate's numerator count is below 10 the rate is not
  exact: the row gets `small_numerator` = True, its rank is withheld (`—`, the other ranks
  stay as computed) and its `note` says why.

`KP_DASH_SUPPRESS_SMALL=0` switches suppression and the flag off for internal use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from kp_dash.numbers import registry
from kp_dash.store import config

SMALL_COUNT_LIMIT = config.SMALL_COUNT_LIMIT
SMALL_COUNT_TEXT = "<10"
SMALL_NUMERATOR = "small_numerator"
NOT_RANKED = "—"
NOTE_COLUMN = "note"
# count columns of the app's tables that no metric names: monthly transactions (Quality page)
OTHER_COUNTS = frozenset({"transactions"})
GENERIC = ("numerator", "denominator")
# column -> the columns that are counts beside it (names that say nothing alone)
COUNTS_BESIDE = {
    "z": ("value", "expected"),
    "modified_z": ("value", "expected"),
    "check": ("value",),
}
RANK = "rank"
# the counts of a comparison period beside the period's own (a delta ranking)
COMPARISON = "comparison_"
# a column naming the metric of each row (profile figures, rankings)
METRIC_COLUMNS = ("metric", "code", "figure")
_NOT_WORD = re.compile(r"[^0-9a-z]+")

AnyMetric = registry.Metric | registry.ModelledMetric


def key(column: object) -> str:
    """A column's name as the rule reads it: 'Digital transactions' -> 'digital_transactions';
    a comparison period's count is read as the count it is ('comparison_users' -> 'users')."""
    return _NOT_WORD.sub("_", str(column).casefold()).strip("_").removeprefix(COMPARISON)


def _metric_of(frame: pd.DataFrame, metric: AnyMetric | None) -> AnyMetric | None:
    """The metric a frame's numerator and denominator belong to: the one given, else the one
    metric its rows name (None when they name none, or several)."""
    if metric is not None:
        return metric
    for column in METRIC_COLUMNS:
        if column in frame.columns:
            codes = set(frame[column].dropna().astype(str))
            if len(codes) == 1 and (code := codes.pop()) in registry.ALL:
                return registry.ALL[code]
    return None


def _generic_counts(metric: AnyMetric | None) -> set[str]:
    if metric is None:
        return set(GENERIC)  # unknown: treated as counts
    if not isinstance(metric, registry.Metric):
        return set()  # modelled: estimates, not records
    return {g for g in GENERIC if metric.counts(getattr(metric, g))}


def count_columns(frame: pd.DataFrame, metric: AnyMetric | None = None) -> list[str]:
    """The columns of `frame` that count service records, in the frame's order. `metric` says
    whose `numerator` and `denominator` a metric frame carries (default: the one metric named in
    a `metric`, `code` or `figure` column; none found: both taken as counts)."""
    keys = {column: key(column) for column in frame.columns}
    present = set(keys.values())
    named = registry.counted() | OTHER_COUNTS
    beside = {c for marker, cols in COUNTS_BESIDE.items() if marker in present for c in cols}
    generic = _generic_counts(_metric_of(frame, metric)) if present & set(GENERIC) else set()
    return [c for c, k in keys.items() if k in named or k in beside or k in generic]


def rate_numerators(frame: pd.DataFrame, metric: AnyMetric | None = None) -> list[str]:
    """The count columns that are the numerator of a rate shown beside them: the registry's
    counted numerators (`digital_transactions`, `mean_monthly_users`…), and the generic
    `numerator` of a metric known to count (an unknown one is suppressed, never flagged)."""
    numerators = {m.numerator for m in registry.REGISTRY.values() if m.counts(m.numerator)}
    known = _metric_of(frame, metric)
    if isinstance(known, registry.Metric) and known.counts(known.numerator):
        numerators.add("numerator")
    return [c for c in count_columns(frame, metric) if key(c) in numerators]


def _numbers(series: pd.Series) -> pd.Series:
    """A column's cells as floats (NaN for no data and for text such as `<10`); nullable
    integers (sums of counts from DuckDB) included."""
    return pd.to_numeric(series.astype(object), errors="coerce").astype("float64")


def small_numerator(frame: pd.DataFrame, metric: AnyMetric | None = None) -> pd.Series | None:
    """True where a rate's numerator count is below 10 (0 included), False where it is 10 or
    more, missing where there is no data; None when `frame` carries no rate numerator."""
    columns = rate_numerators(frame, metric)
    if not columns:
        return None
    numbers = pd.concat([_numbers(frame[c]) for c in columns], axis=1)
    small = numbers.lt(SMALL_COUNT_LIMIT).any(axis=1)
    return small.astype("boolean").mask(numbers.isna().all(axis=1))


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are values, not "missing"
        return False


def is_small(count: object) -> bool:
    """A count of records below the limit (0 included); a missing one is no data, not small."""
    return not _missing(count) and float(count) < SMALL_COUNT_LIMIT


def small_districts(frame: pd.DataFrame, metric: AnyMetric | None = None) -> set[str]:
    """The districts of a metric frame (by district) whose rate rests on fewer than 10 records."""
    flags = small_numerator(frame, metric)
    if flags is None or "district_code" not in frame:
        return set()
    return set(frame.loc[flags.fillna(False).astype(bool), "district_code"])


def _whole(value: float) -> object:
    return int(value) if float(value).is_integer() else value


def suppress_counts(series: pd.Series) -> pd.Series:
    """Counts from 1 to 9 (fractions too) as the text `<10`; 0 (nothing happened: no one to
    identify), 10 and more kept (whole numbers as integers), missing values as an empty cell.
    Text that is not a number (`<10` already, a label) is left as it is."""
    numbers = _numbers(series)
    small = numbers.gt(0) & numbers.lt(SMALL_COUNT_LIMIT)
    if not small.any():
        return series
    out = []
    for original, number, is_small_count in zip(series.astype(object), numbers, small, strict=True):
        if is_small_count:
            out.append(SMALL_COUNT_TEXT)
        elif pd.isna(number):
            out.append(None if _missing(original) else original)
        else:
            out.append(_whole(number))
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def small_numerator_note(columns: Sequence[str], ranked: bool) -> str:
    """What a flagged row's note says: which count was small and what follows from it."""
    what = " or ".join(dict.fromkeys(key(c).replace("_", " ") for c in columns))
    then = "; its rank is withheld (—)" if ranked else ""
    return f"small_numerator: fewer than 10 {what}, so the rate is not exact{then}"


def _add_note(frame: pd.DataFrame, flagged: pd.Series, text: str) -> pd.DataFrame:
    notes = (
        frame[NOTE_COLUMN].astype(object) if NOTE_COLUMN in frame else pd.Series("", frame.index)
    )
    frame[NOTE_COLUMN] = [
        (f"{n}; {text}" if not _missing(n) and str(n) else text) if f else n
        for n, f in zip(notes, flagged, strict=True)
    ]
    return frame


def protect(frame: pd.DataFrame, metric: AnyMetric | None = None) -> pd.DataFrame:
    """A copy of `frame` under the rule: rows whose rate rests on a numerator below 10 flagged
    (`small_numerator`), their rank withheld and the reason in `note`; then every count column
    suppressed. The input frame is not changed."""
    out = frame.copy()
    flags = small_numerator(out, metric)
    if flags is not None:
        flagged = flags.fillna(False).astype(bool)
        ranks = [c for c in out.columns if key(c) == RANK]
        out[SMALL_NUMERATOR] = flags
        if flagged.any():
            for column in ranks:
                out[column] = out[column].astype(object).where(~flagged, NOT_RANKED)
            note = small_numerator_note(rate_numerators(frame, metric), bool(ranks))
            out = _add_note(out, flagged, note)
    for column in count_columns(frame, metric):
        out[column] = suppress_counts(out[column])
    return out


def about(frame: pd.DataFrame) -> list[str]:
    """Lines for a download's notes (the Excel `about` sheet) explaining what the rule did to
    `frame` (an exported frame): none when it has no count column."""
    lines = []
    if count_columns(frame):
        lines.append(
            f"Counts of service records below {SMALL_COUNT_LIMIT} (0 to 9) read "
            f"{SMALL_COUNT_TEXT} (METRICS.md: small numbers are suppressed in public exports)."
        )
    if SMALL_NUMERATOR in frame.columns:
        lines.append(
            f"{SMALL_NUMERATOR} = True: the rate rests on fewer than {SMALL_COUNT_LIMIT} "
            f"records, so it is not exact; where the table ranks, its rank reads {NOT_RANKED}."
        )
    return lines


# --- the counts behind a table's rates ----------------------------------------------------------


def _join_key(table: pd.DataFrame, frame: pd.DataFrame) -> tuple[str, str] | None:
    """The columns to match a table's rows to a frame's districts on: the code, else the name
    (a display table names its districts only)."""
    if "district_code" in table.columns and "district_code" in frame.columns:
        return "district_code", "district_code"
    shown = next((c for c in table.columns if key(c) in ("district_name", "district")), None)
    if shown is not None and "district_name" in frame.columns:
        return shown, "district_name"
    return None


def with_counts(
    table: pd.DataFrame,
    frame: pd.DataFrame,
    metric: AnyMetric | None = None,
    comparison: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`table` (one row per district) with the counts behind its rates taken from `frame` (one
    row per district): a metric frame's `numerator` and `denominator` under the names of the
    `metric`'s components (`digital_transactions`, `eligible_population`…), or the count
    columns `frame` already names. The export then suppresses them and flags small numerators.
    A `comparison` frame (the same metric in a comparison period, for a delta) adds its counts
    as `comparison_…`: a delta is not exact when either period's numerator is small.
    Rows are matched on `district_code`, else on the district's name; a table that has either
    none or already the columns is returned as it is."""
    out = _with_counts(table, frame, metric, "")
    return out if comparison is None else _with_counts(out, comparison, metric, COMPARISON)


def _with_counts(
    table: pd.DataFrame, frame: pd.DataFrame, metric: AnyMetric | None, prefix: str
) -> pd.DataFrame:
    renames: dict[str, str] = {}
    if isinstance(metric, registry.Metric):
        renames = {g: getattr(metric, g) for g in GENERIC if getattr(metric, g) and g in frame}
    columns = {**renames, **{c: c for c in count_columns(frame) if c not in GENERIC}}
    columns = {c: prefix + name for c, name in columns.items() if prefix + name not in table}
    joined = _join_key(table, frame)
    if not columns or joined is None:
        return table
    left, right = joined
    counts = frame[[right, *columns]].drop_duplicates(right).rename(columns=columns)
    counts = counts.rename(columns={right: left})
    return table.merge(counts, on=left, how="left", validate="many_to_one")
