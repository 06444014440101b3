"""How the inequality summary looks: the measures of one dimension as a table (value, 95 %
interval, plain words, definition), the subgroups behind them, and one measure over time with
its interval as a band. Numbers come from `kp_dash.numbers.group_inequality`."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import inequality_terms
from kp_dash.numbers.group_inequality import DISTRICT_WORDS
from kp_dash.numbers.group_subgroups import SPECS, THIRD_NAMES
from kp_dash.numbers.groups import NO_DATA
from kp_dash.numbers.inequality import Measure, Z
from kp_dash.numbers.inequality_terms import Wording
from kp_dash.views import language, trends_view
from kp_dash.views.language import N_

DIMENSIONS = {spec.key: spec.label for spec in SPECS}
DISTRICT_PHRASES = set(DISTRICT_WORDS.values())
CAPTION = N_(
    "WHO's summary measures of inequality (as HEAT Plus computes them) for digital uptake per "
    "1,000 eligible people; which measures apply depends on the dimension: two subgroups "
    "(binary), subgroups in an order (ordered: age bands youngest first, literacy thirds lowest "
    "first) or not (districts). 95 % intervals treat each subgroup's transactions as a Poisson "
    "count over a census population taken as exact; simulated ones use 1,000 draws with seed "
    "123456. A subgroup with fewer than 10 transactions is never measured (<10)."
)
TRENDS_CAPTION = N_(
    "Each month's measure over that month's subgroups, with its 95 % interval as a band; a month "
    "whose measure is withheld or cannot be computed is a gap, never a zero."
)


def _number(value: float, decimals: int, lang: str = language.DEFAULT) -> str:
    return language.text(NO_DATA, lang) if pd.isna(value) else f"{value:,.{decimals}f}"


def _decimals(code: object) -> int:
    term = inequality_terms.TERMS.get(str(code))
    return term.decimals if term else 2


def summary_display(frame: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The measures for people: numbers as text, *No data* (never 0) where a measure is
    missing, with the reason; in Urdu, names, definitions and the plain words in Urdu."""
    decimals = frame["measure"].map(_decimals)
    value = [_number(v, d, lang) for v, d in zip(frame["estimate"], decimals, strict=True)]
    interval = [
        "" if pd.isna(low) or pd.isna(high) else f"{_number(low, d)}–{_number(high, d)}"
        for low, high, d in zip(frame["ci_lb"], frame["ci_ub"], decimals, strict=True)
    ]
    say = functools.partial(language.text, lang=lang)
    shown = {
        N_("Dimension"): frame["dimension"].map(lambda key: dimension_label(key, lang)),
        N_("Measure"): frame["measure_name"].map(lambda name: "—" if pd.isna(name) else say(name)),
        N_("Value"): value,
        N_("95 % interval"): interval,
        N_("In plain words"): [words_in(row, lang) for row in frame.itertuples(index=False)],
        N_("Definition"): frame["definition"].map(lambda d: "" if pd.isna(d) else say(d)),
        N_("Note"): frame["status"].fillna(""),
        N_("Interval"): frame["interval_method"].fillna(""),
        N_("Source"): frame["source"],
        N_("Year"): frame["year"],
    }
    return pd.DataFrame({say(header): column for header, column in shown.items()})


def words_in(row: Any, lang: str) -> str:
    """A measure's plain words (a row of the summary) in `lang`: the English as computed, or the
    same sentence made again from its wording and numbers."""
    english = "" if pd.isna(row.in_words) else row.in_words
    if lang == language.DEFAULT or not english or not isinstance(row.wording, Wording):
        return english
    found = Measure(row.measure, row.estimate, None, _given(row.ci_lb), _given(row.ci_ub), "")
    say = functools.partial(language.say, lang=lang)
    return inequality_terms.in_words(found, wording_in(row.wording, lang), say)


def _given(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


AGED = "people aged "
IN_PHRASE = N_("in {noun}")


def wording_in(said: Wording, lang: str) -> Wording:
    """What a sentence names, in `lang`: each subgroup's noun from the catalogue (an age band's
    from its numbers), a phrase as "in" that noun, the members' words and the unit."""

    def noun(english: str) -> str:
        if english.startswith(AGED):
            return language.say(N_("people aged {band}"), lang, band=english[len(AGED) :])
        return language.text(english, lang)

    def phrase(english: str) -> str:
        if english in DISTRICT_PHRASES:
            return language.text(english, lang)
        _, _, rest = english.partition(" ")  # "among women", "in rural areas"
        return language.say(IN_PHRASE, lang, noun=noun(rest))

    return Wording(
        low=phrase(said.low),
        high=phrase(said.high),
        best=phrase(said.best),
        first=noun(said.first),
        last=noun(said.last),
        members=language.text(said.members, lang),
        member=language.text(said.member, lang),
        unit=language.text(said.unit, lang),
    )


def subgroup_display(frame: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """Each subgroup's uptake with its interval and eligible people (counts are not shown on a
    page; the download carries them under the disclosure rule)."""
    low = frame["estimate"] - Z * frame["se"]
    high = frame["estimate"] + Z * frame["se"]
    say = functools.partial(language.text, lang=lang)
    return pd.DataFrame(
        {
            say(N_("Dimension")): frame["dimension"].map(lambda key: dimension_label(key, lang)),
            say(N_("Subgroup")): [
                subgroup_name(row, lang) for row in frame.itertuples(index=False)
            ],
            say(N_("Uptake per 1,000 eligible")): frame["estimate"].map(
                lambda v: _number(v, 2, lang)
            ),
            say(N_("95 % interval")): [
                f"{_number(max(a, 0.0), 2, lang)}–{_number(b, 2, lang)}"
                for a, b in zip(low, high, strict=True)
            ],
            say(N_("Eligible people")): frame["eligible_population"].map(
                lambda v: _number(v, 0, lang)
            ),
            say(N_("Source")): frame["source"],
            say(N_("Year")): frame["year"],
        }
    )


def subgroup_name(row: Any, lang: str) -> str:
    """A subgroup as `lang` names it: a district from the register, an age band as it is, the
    others by their noun in the catalogue."""
    english = str(row.subgroup)
    if lang == language.DEFAULT:
        return english
    if row.dimension == "district":
        return language.name("district", row.district_code, english, lang)
    if row.dimension == "age":
        return english
    if row.dimension == "literacy":
        return language.text(THIRD_NAMES[int(row.subgroup_order) - 1], lang)
    return language.text(str(row.noun), lang)


def for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """The measures as a file: codes beside names, numbers unrounded, the month only where the
    rows are monthly."""
    monthly = frame["month"].fillna("").astype(str).str.len().gt(0).any()
    out = frame.drop(columns=["wording"] if monthly else ["month", "wording"], errors="ignore")
    return out.rename(columns={"status": "note"})


PER_1000, RATIO = N_("per 1,000"), N_("ratio")
UNITS = {
    "d": PER_1000, "sii": PER_1000, "aci": PER_1000, "bgsd": PER_1000, "mdbu": PER_1000,
    "mdbw": PER_1000, "mdmu": PER_1000, "mdmw": PER_1000, "mdru": PER_1000, "mdrw": PER_1000,
    "par": PER_1000, "bgv": N_("(per 1,000)²"), "r": RATIO, "rii": RATIO, "rci": N_("−1 to 1"),
    "cov": "%", "idisu": "%", "idisw": "%", "paf": "%", "mld": "× 1,000", "ti": "× 1,000",
}  # fmt: skip


def dimension_label(key: str, lang: str = language.DEFAULT) -> str:
    return language.text(DIMENSIONS[key], lang)


def measure_label(code: str, lang: str = language.DEFAULT) -> str:
    """'Ratio (r)'."""
    return f"{language.text(inequality_terms.TERMS[code].name, lang)} ({code})"


def measure_unit(code: str, lang: str = language.DEFAULT) -> str:
    return language.text(UNITS.get(code, ""), lang) if code in UNITS else ""


def no_series(frame: pd.DataFrame, lang: str = language.DEFAULT) -> str:
    """Why nothing is drawn: the reasons the months give, each once."""
    reasons = list(dict.fromkeys(s for s in frame["status"].fillna("") if s))
    said = (
        "; ".join(reasons[:3]) if reasons else language.text(N_("no usage in this selection"), lang)
    )
    nothing = N_(
        "No measure to draw for this selection ({reasons}): nothing is drawn, never a zero."
    )
    return language.say(nothing, lang, reasons=said)


def over_time_figure(
    frame: pd.DataFrame, label: str, unit: str, lang: str = language.DEFAULT
) -> go.Figure:
    """One measure by month: the estimate as a line, its interval as a shaded band; months
    without a value are gaps; its words in `lang` (`label` and `unit` given in it)."""
    months = frame["month"]
    band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "connectgaps": False}
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=months, y=frame["ci_lb"], showlegend=False, **band))
    figure.add_trace(
        go.Scatter(
            x=months,
            y=frame["ci_ub"],
            fill="tonexty",
            fillcolor="rgba(31, 119, 180, 0.18)",
            name=language.text(N_("95 % interval"), lang),
            **band,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=months,
            y=frame["estimate"],
            mode="lines+markers",
            connectgaps=False,
            name=label,
            line={"color": "rgb(31, 119, 180)"},
            customdata=[language.month(month, lang) for month in frame["month"]],
            hovertemplate="%{customdata}: %{y:,.3f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": f"{label} ({unit})" if unit else label}},
        xaxis={"title": None, **trends_view.month_axis(frame["month"], lang)},
        legend={"title": {"text": ""}},
        plot_bgcolor="white",
    )
    return figure
