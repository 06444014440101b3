"""The inequality summary of the dashboard's groups: WHO's summary measures (`inequality`) of
digital uptake per 1,000 over the subgroups of each dimension (`group_subgroups`), each with its
95 % interval, its value in plain words and its definition (`inequality_terms`).

Small counts: a subgroup with 1 to 9 digital transactions would let its count be worked back
from a measure and the census population, so (with a `small_limit`) the measures of a binary or
ordered dimension with such a subgroup are withheld, and such districts leave the district
dimension (the note says how many). A sentence never names a district: the district dimension
speaks of the best-off and worst-off district, so the summary is the same for every viewer.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from kp_dash.numbers import inequality, inequality_terms, source_texts
from kp_dash.numbers.group_subgroups import SPEC, SPECS, Selection, Spec, subgroups
from kp_dash.numbers.groups import year_text
from kp_dash.numbers.inequality import Dimension, NotApplicable
from kp_dash.numbers.inequality_terms import Wording
from kp_dash.store import config
from kp_dash.store.marks import N_

UNIT = "per 1,000"
SCALE = 1000.0  # uptake per 1,000 eligible people
COLUMNS = [
    "month",
    "dimension",
    "dimension_label",
    "kind",
    "measure",
    "measure_name",
    "estimate",
    "ci_lb",
    "ci_ub",
    "interval_method",
    "in_words",
    "wording",  # what the sentence names (`inequality_terms.Wording`), to say it in Urdu
    "definition",
    "status",
    "source",
    "year",
]
NO_USAGE = "No data: no usage in this selection"
NO_BREAKDOWN = "No data: the usage in this selection carries no {what} breakdown"
WITHHELD = "Withheld: uptake {phrase} rests on fewer than {limit} digital transactions (<{limit})"
LEFT_OUT = "{n} {members} with fewer than {limit} digital transactions left out (<{limit})"
TOO_FEW = "Needs two subgroups with data; this selection has {n}"
WITHIN_DISTRICT = ("sex", "area", "age", "disability")
DISTRICT_WORDS = {"low": N_("in the worst-off district"), "high": N_("in the best-off district")}


def _status_row(month: str, spec: Spec, status: str, part: pd.DataFrame) -> dict[str, object]:
    return {
        "month": month,
        "dimension": spec.key,
        "dimension_label": spec.label,
        "kind": spec.kind,
        "status": status,
        "source": source_texts.joined(part["source"]) if len(part) else "",
        "year": _years(part),
    }


def _years(part: pd.DataFrame) -> str:
    return year_text(*part["year"].dropna().astype(str)) if len(part) else ""


def _screened(spec: Spec, part: pd.DataFrame, limit: int | None) -> tuple[pd.DataFrame, str]:
    """The subgroups left to measure and a note on them, or no subgroups and the reason the
    dimension cannot be measured."""
    if part.empty:
        if spec.key in WITHIN_DISTRICT:  # breakdowns the usage files may leave out
            return part, NO_BREAKDOWN.format(what="age band" if spec.key == "age" else spec.key)
        return part, NO_USAGE
    note = ""
    if limit:
        counts = part["digital_transactions"]
        small = part[(counts > 0) & (counts < limit)]
        if len(small) and spec.kind != "non-ordered":
            phrase = small["phrase"].iloc[0]
            return part.iloc[0:0], WITHHELD.format(phrase=phrase, limit=limit)
        if len(small):
            members = spec.member if len(small) == 1 else spec.members
            note = LEFT_OUT.format(n=len(small), members=members, limit=limit)
            part = part.drop(small.index)
    if len(part) < 2:
        return part.iloc[0:0], "; ".join(filter(None, (note, TOO_FEW.format(n=len(part)))))
    return part, note


def _dimension(spec: Spec, part: pd.DataFrame) -> Dimension:
    ordered = spec.kind == "ordered"
    return Dimension(
        estimate=tuple(part["estimate"]),
        se=tuple(part["se"]),
        population=tuple(part["eligible_population"]),
        order=tuple(int(o) for o in part["subgroup_order"].rank(method="first")) if ordered
        else None,
        favourable=True,
        scale=SCALE,
    )  # fmt: skip


def _wording(spec: Spec, part: pd.DataFrame, dimension: Dimension) -> Wording:
    phrases = list(part["phrase"])
    low, high = inequality.compared(dimension)
    best = inequality.impact_reference(dimension)
    if spec.key == "district":  # never a district's name: the same words for every viewer
        said = {"low": DISTRICT_WORDS["low"], "high": DISTRICT_WORDS["high"]}
        said["best"] = DISTRICT_WORDS["high"]
    else:
        said = {"low": phrases[low], "high": phrases[high], "best": phrases[best]}
    # the ends of an ordered dimension (the measures that name them apply to no other kind)
    by_order = part.sort_values("subgroup_order")["noun"].tolist() if dimension.ordered else [""]
    return Wording(
        **said,
        first=by_order[0],
        last=by_order[-1],
        members=spec.members,
        member=spec.member,
        unit=UNIT,
    )


def _measure_rows(
    month: str, spec: Spec, part: pd.DataFrame, note: str, codes: Iterable[str] | None
) -> list[dict[str, object]]:
    dimension = _dimension(spec, part)
    said = _wording(spec, part, dimension)
    rows = []
    for code in inequality.applicable(dimension):
        if codes is not None and code not in codes:
            continue
        term = inequality_terms.TERMS[code]
        row = _status_row(month, spec, note, part) | {
            "measure": code,
            "measure_name": term.name,
            "definition": term.definition,
        }
        try:
            found = inequality.measure(code, dimension)
        except NotApplicable as why:
            rows.append(row | {"status": "; ".join(filter(None, (note, str(why))))})
            continue
        rows.append(
            row
            | {
                "estimate": found.estimate,
                "ci_lb": found.ci_lb,
                "ci_ub": found.ci_ub,
                "interval_method": found.method,
                "in_words": inequality_terms.in_words(found, said),
                "wording": said,
            }
        )
    return rows


def summary(
    rows: pd.DataFrame,
    small_limit: int | None,
    dimensions: Iterable[str] | None = None,
    measures: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every applicable measure of every dimension (or those asked for), per month of the
    subgroups (`group_subgroups.subgroups`); a dimension that cannot be measured gets one row
    whose `status` says why. `small_limit` (the disclosure rule's 10; None: off) withholds what
    rests on small counts."""
    wanted = set(dimensions) if dimensions is not None else None
    codes = set(measures) if measures is not None else None
    months = list(dict.fromkeys(rows["month"])) or [""]
    found: list[dict[str, object]] = []
    for month in months:
        in_month = rows[rows["month"] == month]
        for spec in SPECS:
            if wanted is not None and spec.key not in wanted:
                continue
            part, note = _screened(spec, in_month[in_month["dimension"] == spec.key], small_limit)
            if part.empty:
                # what was looked at: the selection's usage and census, for that month
                found.append(_status_row(month, spec, note, in_month))
                continue
            found += _measure_rows(month, spec, part.reset_index(drop=True), note, codes)
    frame = pd.DataFrame(found).reindex(columns=COLUMNS)
    numbers = ["estimate", "ci_lb", "ci_ub"]
    texts = [c for c in COLUMNS if c not in numbers]
    return frame.astype(dict.fromkeys(numbers, "float64") | dict.fromkeys(texts, object))


def measures_of(dimension: str) -> tuple[str, ...]:
    """The measures a dimension of the dashboard can show (it has no reference subgroup)."""
    kinds = {"binary": inequality.BINARY, "ordered": inequality.ORDERED,
             "non-ordered": inequality.NON_ORDERED}  # fmt: skip
    return tuple(c for c in kinds[SPEC[dimension].kind] if c not in ("mdru", "mdrw"))


def selection_summary(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """The inequality summary of a service (None: all) and period, for the province."""
    chosen = Selection(service, month_from, month_to)
    return summary(subgroups(con, chosen), config.small_count_limit())


def selection_subgroups(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """The subgroups the summary measures, with their counts (for downloads under the
    disclosure rule)."""
    return subgroups(con, Selection(service, month_from, month_to)).drop(columns=["month"])


def district_summary(
    con: duckdb.DuckDBPyConnection,
    code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """The summary within one district (sex, area, age bands, disability), its rows marked as
    the district's."""
    chosen = Selection(service, month_from, month_to, district=code)
    frame = summary(subgroups(con, chosen), config.small_count_limit(), WITHIN_DISTRICT)
    frame.insert(0, "district_code", code)
    return frame


def over_time(
    con: duckdb.DuckDBPyConnection,
    dimension: str,
    code: str,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One measure of one dimension month by month (a month it cannot be given: its row
    without a value, the reason in `status`)."""
    chosen = Selection(service, month_from, month_to, by_month=True)
    frame = summary(subgroups(con, chosen), config.small_count_limit(), [dimension], [code])
    return frame[frame["measure"].isna() | (frame["measure"] == code)].reset_index(drop=True)
