"""What the Connectivity planning page shows, shaped from kp_dash.planning (pure, no streamlit)."""

from __future__ import annotations

import functools

import pandas as pd

from kp_dash.numbers import analysis, planning, source_texts, summaries
from kp_dash.views import language, pdf_layout
from kp_dash.views.language import N_

# what a scenario can raise, besides the access index itself
ACCESS_INDICATORS = (
    "mobile_hh_pct",
    "literacy_pct",
    "grid_light_pct",
    "internet_use_pct",
    "computer_hh_pct",
    "coverage_4g_pct",
)
SCENARIO_NOTE = N_(
    "Added users: digital transactions over the period expected with the chosen access, by "
    "e-service; low–high: the 95 % range of the fit; districts: how many districts the fit "
    "ran on."
)
CAVEAT = N_(
    "These figures are an association across districts — where access is higher, uptake tends to "
    "be higher — not a forecast of what connecting a district will cause."
)
MEMO_TITLE = N_("KP connectivity planning — priorities")
RANKED = N_("Districts ranked by priority")
WHAT_IF = N_("What if access improved")


def ranked(factors: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """The priority ranking with each district's stability range (ranks under ±25 % weights)."""
    table = planning.priority(factors, weights)
    spread = planning.stability(factors, weights)
    return table.merge(
        spread[["district_code", "rank_low", "rank_high"]], on="district_code", how="left"
    )


def ranking_export(
    table: pd.DataFrame, districts: pd.DataFrame, cover: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ranking as downloaded: each district with the sources and years of the inputs of the
    factors its score weights (`districts` as `analysis.district_frame` of the same selection,
    `cover` as `planning.coverage_sources`)."""
    inputs = [i for f in planning.FACTORS if f in table for i in planning.FACTOR_INPUTS[f]]
    provenance = planning.input_sources(districts, inputs, cover)
    return table.merge(provenance, on="district_code", how="left")


def scenario_export(
    result: planning.Scenario, uptake: pd.DataFrame, access: pd.DataFrame
) -> pd.DataFrame:
    """The scenario by service as downloaded: each service with the sources and years of what its
    fit runs on, its uptake (`uptake`: the metric by service) and the access index (`access`:
    the metric for the province)."""
    frame = result.by_service.merge(
        uptake[["service", "source", "year"]].rename(
            columns={"service": "service_code", "source": "uptake_source", "year": "uptake_year"}
        ),
        on="service_code",
        how="left",
    )
    first = access.iloc[0] if len(access) else {}
    frame["access_source"], frame["access_year"] = first.get("source"), first.get("year")
    inputs = ("uptake_source", "access_source")
    frame["source"] = source_texts.joined_by_row(frame, inputs)
    frame["year"] = analysis.joined_years(frame, ("uptake_year", "access_year"))
    return frame.drop(columns=[*inputs, "uptake_year", "access_year"])


def coverage_export(
    gaps: pd.DataFrame, districts: pd.DataFrame, cover: pd.DataFrame | None
) -> pd.DataFrame:
    """The coverage and usage gaps as downloaded: each district with the sources and years of its
    eligible population, 4G coverage and digital transactions."""
    provenance = planning.input_sources(districts, ("population", "coverage", "uptake"), cover)
    return gaps.merge(provenance, on="district_code", how="left")


def weights_sentence(
    weights: dict[str, float], available: list[str], lang: str = language.DEFAULT
) -> str:
    say = functools.partial(language.say, lang=lang)
    parts = [f"{say(planning.FACTORS[f])} {weights[f]:g}" for f in available]
    defaults = ", ".join(
        f"{say(planning.FACTORS[f])} {planning.DEFAULT_WEIGHTS[f]:g}" for f in available
    )
    return say(
        N_(
            "Weights now: {weights}. Defaults: {defaults}. Each factor is scaled 0–1 across "
            "districts; the score is the weighted mean; a weight of 0 leaves a factor out."
        ),
        weights="; ".join(parts),
        defaults=defaults,
    )


def ranking_display(
    table: pd.DataFrame, available: list[str], lang: str = language.DEFAULT
) -> pd.DataFrame:
    """The ranking as people read it, in `lang`: its headers, district names and "No data"."""
    say = functools.partial(language.say, lang=lang)
    no_data = say(summaries.NO_DATA)
    shown = pd.DataFrame(
        {
            say(N_("Rank")): table["rank"].astype("Int64"),
            say(N_("District")): _district_names(table, lang),
            say(N_("Score (0–1)")): table["score"].map(
                lambda v: no_data if pd.isna(v) else f"{v:.3f}"
            ),
            say(N_("Rank if weights move ±25 %")): [
                no_data
                if pd.isna(low)
                else (f"{int(low)}" if low == high else f"{int(low)}–{int(high)}")
                for low, high in zip(table["rank_low"], table["rank_high"], strict=True)
            ],
        }
    )
    for factor in available:
        if factor in table:
            shown[say(planning.FACTORS[factor])] = table[factor].map(
                functools.partial(_number, no_data=no_data)
            )
    return shown


def _district_names(frame: pd.DataFrame, lang: str) -> list[str]:
    return [
        language.name("district", code, name, lang)
        for code, name in zip(frame["district_code"], frame["district_name"], strict=True)
    ]


def _number(value: object, no_data: str = summaries.NO_DATA) -> str:
    if pd.isna(value):
        return no_data
    return f"{value:,.0f}" if abs(float(value)) >= 100 else f"{float(value):,.2f}"


def _count(value: object, no_data: str = summaries.NO_DATA) -> str:
    return no_data if pd.isna(value) else f"{float(value):,.0f}"


def scenario_display(result: planning.Scenario, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The scenario by service as people read it: the service's name, the added users as whole
    counts with the low and high end of their 95 % range ("No data" where a service has no fit)
    and the number of districts each fit ran on. The download keeps `by_service` as it is."""
    say = functools.partial(language.say, lang=lang)
    count = functools.partial(_count, no_data=say(summaries.NO_DATA))
    table = result.by_service
    services = [
        language.name("service", code, name, lang)
        for code, name in zip(table["service_code"], table["service_name"], strict=True)
    ]
    return pd.DataFrame(
        {
            say(N_("E-service")): services,
            say(N_("Added users (transactions)")): table["added"].map(count),
            say(N_("Added users (low)")): table["added_low"].map(count),
            say(N_("Added users (high)")): table["added_high"].map(count),
            say(N_("Districts")): table["n_districts"].astype("Int64"),
        }
    )


def coverage_display(gaps: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The coverage and usage gaps as people read them (`planning.coverage_usage_gap`): names,
    whole numbers of people and the coverage in per cent. The download keeps the raw columns."""
    say = functools.partial(language.say, lang=lang)
    no_data = say(summaries.NO_DATA)
    count = functools.partial(_count, no_data=no_data)
    return pd.DataFrame(
        {
            say(N_("District")): _district_names(gaps, lang),
            say(N_("Eligible people")): gaps["eligible_population"].map(count),
            say(N_("4G coverage (%)")): gaps["coverage_4g_pct"].map(
                lambda v: no_data if pd.isna(v) else f"{float(v):.1f}"
            ),
            say(N_("People without 4G coverage")): gaps["not_covered"].map(count),
            say(N_("Covered but not using (people)")): gaps["covered_not_using"].map(count),
        }
    )


def scenario_sentence(
    result: planning.Scenario, names: list[str], lang: str = language.DEFAULT
) -> str:
    """What the scenario comes to, in one sentence; `names` as the reader reads them."""
    say = functools.partial(language.say, lang=lang)
    if pd.isna(result.total):
        return say(N_("No expected change: the model needs uptake data for the selection."))
    return say(
        N_(
            "Raising access in {districts} is associated with about {total} more digital "
            "transactions over the period (range {low}–{high}); the concentration index would "
            "move from {before} to {after}."
        ),
        districts=", ".join(names) if names else say(N_("the chosen districts")),
        total=f"{result.total:,.0f}",
        low=f"{result.total_low:,.0f}",
        high=f"{result.total_high:,.0f}",
        before=f"{result.ci_before:+.3f}",
        after=f"{result.ci_after:+.3f}",
    )


def memo(
    table: pd.DataFrame,
    available: list[str],
    result: planning.Scenario | None,
    names: list[str],
    subtitle: str,
    sources: list[str],
    demo: bool,
    lang: str = language.DEFAULT,
) -> bytes:
    """A one-page planning memo in `lang`: the ranking's top ten and the scenario, with the
    caveat (`names`: the scenario's districts as the reader reads them)."""
    say = functools.partial(language.say, lang=lang)
    top = ranking_display(table.head(10), available, lang)
    sections = [pdf_layout.MemoSection(say(RANKED), "", top)]
    if result is not None:
        sections.append(
            pdf_layout.MemoSection(
                say(WHAT_IF),
                f"{scenario_sentence(result, names, lang)} {say(CAVEAT)}",
                scenario_display(result, lang),
            )
        )
    return pdf_layout.memo_pdf(say(MEMO_TITLE), subtitle, sections, sources, demo, lang)
