"""Chart builders: frames in, plotly figures and display tables out; nothing is rendered here.

The uptake-vs-access views take `analysis.district_frame(...)` (one row per district, NaN where
there is no data) and an `analysis.UptakeFit` (or anything with `expected` and `band`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kp_dash.views import language, palettes
from kp_dash.views.language import N_

NO_DATA = N_("No data")
PER_1000 = " per 1,000"
MODELLED = N_("modelled")
NOT_GIVEN = N_("not given")
# the words of the charts' hover text, legends and axes (`hover_lines`, `uptake_access_scatter`)
KIND_NAMES = {"demo": N_("demo"), "census": N_("census"), "survey": N_("survey"),
              "admin": N_("admin")}  # fmt: skip
SOURCE_LINES = {"uptake": N_("Uptake source: {kinds}, {year}"),
                "access": N_("Access source: {kinds}, {year}")}  # fmt: skip
PARENT_LINE = N_("⚑ Access uses a {flag} (district split after the survey)")
PER_1000_VALUE = N_("{value} per 1,000")
FIT_HOVER = N_("Access {x}: expected {y} per 1,000 (modelled)")
X_TITLE = N_("Access index (0–100; census and survey figures)")
Y_TITLE = N_("Uptake per 1,000 eligible (log scale)")
PARENT_FLAG = N_("parent-district survey value")
MERGED_FLAG = N_("merged district (ex-FATA)")
ACCESS_FLAG = N_("access: {flag}")
SELECTED = N_("◀ selected")
# plain names of the four quadrants (as `analysis.QUADRANTS`) and the corner each is written in
QUADRANT_CORNERS: dict[str, tuple[str, str]] = {
    "assisted channels working": ("left", "top"),
    "on track": ("right", "top"),
    "not connected": ("left", "bottom"),
    "connected but not using": ("right", "bottom"),
}
DISTRICT_COLOUR = palettes.DISTRICT_POINT
MERGED_COLOUR = palettes.MERGED_POINT
FIT_COLOUR = "#444444"
BAND_COLOUR = "rgba(68, 68, 68, 0.15)"
HIGHLIGHT_COLOUR = "#111111"
MIN_MARKER_PX = 7
MAX_MARKER_PX = 38
HIGHLIGHT_EXTRA_PX = 8
FIT_POINTS = 60
SCATTER_HEIGHT_PX = 520
LOG_TICKS = [v * 10**e for e in range(-2, 5) for v in (1, 2, 5)]  # 1-2-5 steps on the log axis
# words in a source text that give its kind (METRICS.md: census, survey, admin, demo, modelled)
_KIND_WORDS = (
    ("demo", ("demonstration", "simulated")),
    ("census", ("census",)),
    ("survey", ("pslm", "mics", "survey", "data4pakistan")),
)


class Fit(Protocol):
    """What the scatter needs of a fit (`analysis.UptakeFit` has it)."""

    def expected(self, access: np.ndarray | float) -> np.ndarray: ...

    def band(
        self, access: np.ndarray | float, level: float = 0.95
    ) -> tuple[np.ndarray, np.ndarray]: ...


def source_kinds(source: object, lang: str = language.DEFAULT) -> str:
    """The kinds of source named in a source text ("demo", "census + survey"…); "admin" for a
    named source of another kind, "not given" when there is none; in `lang`."""
    if not isinstance(source, str) or not source.strip():
        return language.text(NOT_GIVEN, lang)
    text = source.lower()
    kinds = [kind for kind, words in _KIND_WORDS if any(w in text for w in words)] or ["admin"]
    return " + ".join(language.text(KIND_NAMES[kind], lang) for kind in kinds)


def source_line(which: str, source: object, year: object, lang: str) -> str:
    """ "Uptake source: census, 2023" (`which`: uptake or access) in `lang`."""
    kinds = source_kinds(source, lang)
    given = year if isinstance(year, str) and year else language.text(NOT_GIVEN, lang)
    return language.say(SOURCE_LINES[which], lang, kinds=kinds, year=given)


def parent_line(lang: str) -> str:
    flag = language.text(PARENT_FLAG, lang)
    return language.say(PARENT_LINE, lang, flag=flag)


def per_1000(value: object, lang: str) -> str:
    """Uptake per 1,000 as text in `lang`, or *No data* (never 0)."""
    return _shown(value, lang, wording=PER_1000_VALUE)


def _shown(
    value: object, lang: str, fmt: str = "{:,.1f}", unit: str = "", wording: str = ""
) -> str:
    """`_number` in `lang`: *No data* from the catalogue; `wording` places the number."""
    shown = _number(value, fmt, unit)
    if shown == NO_DATA:
        return language.text(NO_DATA, lang)
    return language.say(wording, lang, value=shown) if wording else shown


def _number(value: object, fmt: str = "{:,.1f}", unit: str = "") -> str:
    """A number as text (with its unit), or "No data" (never 0) when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NO_DATA
    return fmt.format(float(value)) + unit


def _text(value: object) -> str:
    return value if isinstance(value, str) and value else "not given"


def plotted(frame: pd.DataFrame) -> pd.Series:
    """Districts the scatter can draw: positive uptake (the axis is logarithmic, like the fit)
    and an access value."""
    return (frame["uptake_per_1000"] > 0).fillna(False).astype(bool) & frame["access_index"].notna()


def left_out(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Districts not on the scatter, by reason, named for a caption."""
    uptake = frame["uptake_per_1000"]
    reasons = {
        N_("no usage data"): uptake.isna(),
        N_("no digital transactions recorded"): (uptake <= 0).fillna(False).astype(bool),
        N_("no access figure"): uptake.notna() & frame["access_index"].isna(),
    }
    return {
        reason: sorted(frame.loc[mask, "district_name"])
        for reason, mask in reasons.items()
        if mask.any()
    }


def medians(frame: pd.DataFrame) -> tuple[float, float]:
    """Provincial medians of access and uptake over the districts that have them (the quadrant
    lines of `analysis.district_frame`)."""
    return float(frame["access_index"].median()), float(frame["uptake_per_1000"].median())


def marker_sizes(population: pd.Series, top: float | None = None) -> np.ndarray:
    """Marker diameters in pixels, area proportional to the eligible population."""
    values = pd.to_numeric(population, errors="coerce").astype(float).clip(lower=0)
    top = float(values.max()) if top is None else top
    if not top or math.isnan(top):
        return np.full(len(values), float(MIN_MARKER_PX))
    sizes = np.sqrt(values.fillna(0).to_numpy() / top) * MAX_MARKER_PX
    return np.maximum(sizes, MIN_MARKER_PX)


def hover_lines(row: Any, lang: str = language.DEFAULT) -> str:
    """Hover text of one district row (an itertuples row of the district frame), in `lang`."""
    say = functools.partial(language.say, lang=lang)
    name = language.name("district", row.district_code, row.district_name, lang)
    merged = getattr(row, "is_merged", False)
    gap = _shown(row.uptake_gap, lang, "{:+,.1f}", wording=PER_1000_VALUE)
    expected = per_1000(row.expected_uptake, lang)
    lines = [
        f"<b>{name}</b>" + (f" · {language.text(MERGED_FLAG, lang)}" if merged else ""),
        say(N_("Uptake: {value}"), value=per_1000(row.uptake_per_1000, lang)),
        say(N_("Access index: {value}"), value=_shown(row.access_index, lang, unit=" / 100")),
        say(N_("Expected at this access: {value} ({modelled})"), value=expected,
            modelled=language.text(MODELLED, lang)),
        say(N_("Gap: {value}"), value=gap),
        say(N_("Quadrant: {quadrant}"), quadrant=language.text(row.quadrant, lang)),
        source_line("uptake", row.uptake_source, row.uptake_year, lang),
        source_line("access", row.access_source, row.access_year, lang),
    ]  # fmt: skip
    if getattr(row, "access_is_parent_estimate", False):
        lines.append(parent_line(lang))
    return "<br>".join(lines)


def _district_trace(
    part: pd.DataFrame, sizes: np.ndarray, name: str, lang: str, **marker: Any
) -> go.Scatter:
    return go.Scatter(
        x=part["access_index"].tolist(),
        y=part["uptake_per_1000"].tolist(),
        mode="markers",
        name=name,
        customdata=part["district_code"].tolist(),
        text=[hover_lines(r, lang) for r in part.itertuples(index=False)],
        hovertemplate="%{text}<extra></extra>",
        marker={"size": sizes.tolist(), "line": {"color": "white", "width": 1}, **marker},
    )


def _fit_traces(fit: Fit, access: pd.Series, lang: str) -> list[go.Scatter]:
    low, high = float(access.min()), float(access.max())
    grid = np.linspace(low, high, FIT_POINTS) if high > low else np.array([low, low])
    lower, upper = fit.band(grid)
    band = go.Scatter(
        x=[*grid.tolist(), *grid[::-1].tolist()],
        y=[*np.asarray(upper).tolist(), *np.asarray(lower)[::-1].tolist()],
        fill="toself",
        fillcolor=BAND_COLOUR,
        line={"width": 0},
        mode="lines",
        name=language.text(N_("95% band of the fitted line"), lang),
        hoverinfo="skip",
    )
    line = go.Scatter(
        x=grid.tolist(),
        y=np.asarray(fit.expected(grid)).tolist(),
        mode="lines",
        line={"color": FIT_COLOUR, "width": 2},
        name=language.text(N_("Expected uptake at that access (fit)"), lang),
        hovertemplate=language.say(FIT_HOVER, lang, x="%{x:.1f}", y="%{y:,.1f}")
        + "<extra></extra>",
    )
    return [band, line]


def _quadrant_annotations(lang: str) -> list[dict[str, Any]]:
    notes = []
    for name, (side, level) in QUADRANT_CORNERS.items():
        notes.append(
            {
                "text": f"<i>{language.text(name, lang)}</i>",
                "xref": "x domain",
                "yref": "y domain",
                "x": 0.01 if side == "left" else 0.99,
                "y": 0.99 if level == "top" else 0.01,
                "xanchor": side,
                "yanchor": level,
                "showarrow": False,
                "font": {"size": 13, "color": "#555555"},
            }
        )
    return notes


def _median_shapes(access_median: float, uptake_median: float) -> list[dict[str, Any]]:
    line = {"color": "#888888", "width": 1, "dash": "dash"}
    shapes = []
    if not math.isnan(access_median):
        shapes.append(
            {"type": "line", "xref": "x", "yref": "y domain", "x0": access_median,
             "x1": access_median, "y0": 0, "y1": 1, "line": line, "name": "median access"}
        )  # fmt: skip
    if not math.isnan(uptake_median) and uptake_median > 0:
        shapes.append(
            {"type": "line", "xref": "x domain", "yref": "y", "x0": 0, "x1": 1,
             "y0": uptake_median, "y1": uptake_median, "line": line, "name": "median uptake"}
        )  # fmt: skip
    return shapes


def uptake_access_scatter(
    frame: pd.DataFrame, fit: Fit | None, highlight: str | None = None, lang: str = language.DEFAULT
) -> go.Figure:
    """Uptake per 1,000 (log axis) against the access index, one point per district sized by its
    eligible population, merged districts as diamonds; the fitted line and its band, the median
    lines and the four quadrant names; `highlight` (a district code) drawn larger and outlined;
    its words in `lang`."""
    drawn = frame[plotted(frame)]
    top = float(drawn["eligible_population"].max()) if not drawn.empty else None
    fig = go.Figure()
    if fit is not None and not drawn.empty:
        fig.add_traces(_fit_traces(fit, drawn["access_index"], lang))
    merged = drawn["is_merged"].fillna(False).astype(bool)
    for part, name, symbol, colour in (
        (drawn[~merged], N_("District"), "circle", DISTRICT_COLOUR),
        (drawn[merged], N_("Merged district (ex-FATA)"), "diamond", MERGED_COLOUR),
    ):
        sizes = marker_sizes(part["eligible_population"], top)
        shown = language.text(name, lang)
        fig.add_trace(
            _district_trace(part, sizes, shown, lang, symbol=symbol, color=colour, opacity=0.8)
        )
    chosen = drawn[drawn["district_code"] == highlight]
    if not chosen.empty:
        row = chosen.iloc[0]
        size = marker_sizes(chosen["eligible_population"], top) + HIGHLIGHT_EXTRA_PX
        name = language.name("district", row["district_code"], row["district_name"], lang)
        trace = _district_trace(
            chosen,
            size,
            language.say(N_("Selected: {district}"), lang, district=name),
            lang,
            symbol="diamond" if bool(row["is_merged"]) else "circle",
            color=MERGED_COLOUR if bool(row["is_merged"]) else DISTRICT_COLOUR,
            opacity=1.0,
        )
        trace.update(
            mode="markers+text",
            text=[name],
            textposition="top center",
            hovertext=[hover_lines(next(chosen.itertuples(index=False)), lang)],
            hovertemplate="%{hovertext}<extra></extra>",
            marker_line={"color": HIGHLIGHT_COLOUR, "width": 3},
        )
        fig.add_trace(trace)
    fig.update_layout(
        shapes=_median_shapes(*medians(frame)),
        annotations=_quadrant_annotations(lang),
        xaxis={"title": {"text": language.text(X_TITLE, lang)}},
        yaxis={
            "title": {"text": language.text(Y_TITLE, lang)},
            "type": "log",
            "tickvals": LOG_TICKS,
        },
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        margin={"l": 10, "r": 10, "t": 36, "b": 10},  # room for the mode bar above the plot
        height=SCATTER_HEIGHT_PX,
        hovermode="closest",
    )
    return fig


def picked_district(points: Iterable[Mapping[str, Any]], known: Iterable[str]) -> str | None:
    """The district code of a plotly selection (from a point's `customdata`, or a map point's
    `location`); None when nothing known is selected."""
    codes = set(known)
    for point in points:
        for key in ("customdata", "location"):
            value = point.get(key)
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            if isinstance(value, str) and value in codes:
                return value
    return None


def district_flags(row: Any) -> str:
    flags = []
    if getattr(row, "is_merged", False):
        flags.append(MERGED_FLAG)
    if getattr(row, "access_is_parent_estimate", False):
        flags.append(ACCESS_FLAG.format(flag=PARENT_FLAG))
    return "; ".join(flags)


GAP_COLUMNS = {
    "rank": N_("Rank"),
    "district_name": N_("District"),
    "uptake": N_("Uptake per 1,000"),
    "expected": N_("Expected per 1,000 (modelled)"),
    "gap": N_("Gap per 1,000"),
    "quadrant": N_("Quadrant"),
    "access": N_("Access index"),
    "flags": N_("Flags"),
    "source": N_("Source"),
    "year": N_("Year"),
    "selected": N_("Selected"),
}


def _by_gap(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Districts sorted by uptake gap (most under-served first, no gap last) and their ranks
    among all the districts modelled (`gap_rank`, so a district officer's rows keep theirs)."""
    table = frame.sort_values(
        ["uptake_gap", "district_name"], ascending=[True, True], na_position="last"
    ).reset_index(drop=True)
    return table, table["gap_rank"]


def _gap_provenance(table: pd.DataFrame) -> dict[str, list[str]]:
    """The gap table's source (kinds of each input) and year columns."""
    return {
        "source": [
            f"uptake: {source_kinds(u)}; access: {source_kinds(a)}; expected: {MODELLED}"
            for u, a in zip(table["uptake_source"], table["access_source"], strict=True)
        ],
        "year": [
            f"uptake {_text(u)}; access {_text(a)}"
            for u, a in zip(table["uptake_year"], table["access_year"], strict=True)
        ],
    }


def gap_table(frame: pd.DataFrame, highlight: str | None = None) -> pd.DataFrame:
    """Every district ranked by uptake gap, most under-served beyond what access explains first;
    districts without a gap last with no rank. Numbers as text so "No data" reads as such; the
    `Selected` column marks the highlighted district."""
    table, ranks = _by_gap(frame)
    shown = pd.DataFrame(
        {
            "rank": ranks,
            "district_name": table["district_name"],
            "uptake": [_number(v) for v in table["uptake_per_1000"]],
            "expected": [_number(v) for v in table["expected_uptake"]],
            "gap": [_number(v, "{:+,.1f}") for v in table["uptake_gap"]],
            "quadrant": [NO_DATA if q == "no data" else q for q in table["quadrant"]],
            "access": [_number(v) for v in table["access_index"]],
            "flags": [district_flags(r) for r in table.itertuples(index=False)],
            **_gap_provenance(table),
            "selected": [SELECTED if c == highlight else "" for c in table["district_code"]],
        }
    )
    return shown.rename(columns=GAP_COLUMNS)


def gap_export(frame: pd.DataFrame) -> pd.DataFrame:
    """The gap table as downloaded: the same rows, columns, source and year, with the numbers as
    numbers (rounded as shown; missing ones empty, never 0) and no selection marker."""
    table, ranks = _by_gap(frame)
    numbers = table[["uptake_per_1000", "expected_uptake", "uptake_gap", "access_index"]].round(1)
    exported = pd.DataFrame(
        {
            "rank": ranks,
            "district_name": table["district_name"],
            "uptake": numbers["uptake_per_1000"],
            "expected": numbers["expected_uptake"],
            "gap": numbers["uptake_gap"],
            "quadrant": [NO_DATA if q == "no data" else q for q in table["quadrant"]],
            "access": numbers["access_index"],
            "flags": [district_flags(r) for r in table.itertuples(index=False)],
            **_gap_provenance(table),
        }
    )
    return exported.rename(columns=GAP_COLUMNS)


def highlight_row_style(table: pd.DataFrame) -> Any:
    """The gap table as a pandas Styler with the selected district's row shaded."""
    selected = table[GAP_COLUMNS["selected"]]

    def shade(row: pd.Series) -> list[str]:
        css = "background-color: #fff3b0; font-weight: bold" if selected[row.name] else ""
        return [css] * len(row)

    return table.style.apply(shade, axis=1)


def quadrant_counts(frame: pd.DataFrame, meanings: Mapping[str, str]) -> list[tuple[str, int, str]]:
    """(quadrant, number of districts, its plain sentence) for each quadrant, in the order of
    `meanings`, then "No data" when some districts have none."""
    counts = frame["quadrant"].value_counts()
    rows = [(name, int(counts.get(name, 0)), sentence) for name, sentence in meanings.items()]
    missing = int(len(frame) - sum(n for _, n, _ in rows))
    if missing:
        rows.append((NO_DATA, missing, N_("no uptake or no access figure for this selection")))
    return rows


def district_options(frame: pd.DataFrame) -> dict[str, str]:
    """District code -> name, by name, for a picker."""
    ordered = frame.sort_values("district_name")
    return dict(zip(ordered["district_code"], ordered["district_name"], strict=True))


def _names(frame: pd.DataFrame, codes: Iterable[str]) -> list[str]:
    names = dict(zip(frame["district_code"], frame["district_name"], strict=True))
    return sorted(names.get(code, code) for code in codes)


def map_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The bivariate map's data for export: uptake as the value, access and the gap beside it."""
    values = frame[
        [
            "district_code",
            "district_name",
            "uptake_per_1000",
            "access_index",
            "uptake_gap",
            "quadrant",
            "source",
            "year",
        ]
    ]
    return values.rename(columns={"uptake_per_1000": "value"})
