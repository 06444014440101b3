"""What the Connectivity planning page shows, shaped from kp_dash.planning (pure, no streamlit)."""

from __future__ import annotations

import pandas as pd

from kp_dash.numbers import analysis, planning, source_texts, summaries
from kp_dash.views import pdf_layout

# what a scenario can raise, besides the access index itself
ACCESS_INDICATORS = (
    "mobile_hh_pct",
    "literacy_pct",
    "grid_light_pct",
    "internet_use_pct",
    "computer_hh_pct",
    "coverage_4g_pct",
)
SCENARIO_NOTE = (
    "Added users: digital transactions over the period expected with the chosen access, by "
    "e-service; low–high: the 95 % range of the fit; districts: how many districts the fit "
    "ran on."
)
CAVEAT = (
    "These figures are an association across districts — where access is higher, uptake tends to "
    "be higher — not a forecast of what connecting a district will cause."
)


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


def weights_sentence(weights: dict[str, float], available: list[str]) -> str:
    parts = [f"{planning.FACTORS[f]} {weights[f]:g}" for f in available]
    defaults = ", ".join(
        f"{planning.FACTORS[f]} {planning.DEFAULT_WEIGHTS[f]:g}" for f in available
    )
    return (
        f"Weights now: {'; '.join(parts)}. Defaults: {defaults}. Each factor is scaled 0–1 "
        "across districts; the score is the weighted mean; a weight of 0 leaves a factor out."
    )


def ranking_display(table: pd.DataFrame, available: list[str]) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            "Rank": table["rank"].astype("Int64"),
            "District": table["district_name"],
            "Score (0–1)": table["score"].map(
                lambda v: summaries.NO_DATA if pd.isna(v) else f"{v:.3f}"
            ),
            "Rank if weights move ±25 %": [
                summaries.NO_DATA
                if pd.isna(low)
                else (f"{int(low)}" if low == high else f"{int(low)}–{int(high)}")
                for low, high in zip(table["rank_low"], table["rank_high"], strict=True)
            ],
        }
    )
    for factor in available:
        if factor in table:
            shown[planning.FACTORS[factor]] = table[factor].map(_number)
    return shown


def _number(value: object) -> str:
    if pd.isna(value):
        return summaries.NO_DATA
    return f"{value:,.0f}" if abs(float(value)) >= 100 else f"{float(value):,.2f}"


def _count(value: object) -> str:
    return summaries.NO_DATA if pd.isna(value) else f"{float(value):,.0f}"


def scenario_display(result: planning.Scenario) -> pd.DataFrame:
    """The scenario by service as people read it: the service's name, the added users as whole
    counts with the low and high end of their 95 % range ("No data" where a service has no fit)
    and the number of districts each fit ran on. The download keeps `by_service` as it is."""
    table = result.by_service
    return pd.DataFrame(
        {
            "E-service": table["service_name"],
            "Added users (transactions)": table["added"].map(_count),
            "Added users (low)": table["added_low"].map(_count),
            "Added users (high)": table["added_high"].map(_count),
            "Districts": table["n_districts"].astype("Int64"),
        }
    )


def coverage_display(gaps: pd.DataFrame) -> pd.DataFrame:
    """The coverage and usage gaps as people read them (`planning.coverage_usage_gap`): names,
    whole numbers of people and the coverage in per cent. The download keeps the raw columns."""
    return pd.DataFrame(
        {
            "District": gaps["district_name"],
            "Eligible people": gaps["eligible_population"].map(_count),
            "4G coverage (%)": gaps["coverage_4g_pct"].map(
                lambda v: summaries.NO_DATA if pd.isna(v) else f"{float(v):.1f}"
            ),
            "People without 4G coverage": gaps["not_covered"].map(_count),
            "Covered but not using (people)": gaps["covered_not_using"].map(_count),
        }
    )


def scenario_sentence(result: planning.Scenario, names: list[str]) -> str:
    if pd.isna(result.total):
        return "No expected change: the model needs uptake data for the selection."
    who = ", ".join(names) if names else "the chosen districts"
    return (
        f"Raising access in {who} is associated with about {result.total:,.0f} more digital "
        f"transactions over the period (range {result.total_low:,.0f}–{result.total_high:,.0f}); "
        f"the concentration index would move from {result.ci_before:+.3f} to "
        f"{result.ci_after:+.3f}."
    )


def memo(
    table: pd.DataFrame,
    available: list[str],
    result: planning.Scenario | None,
    names: list[str],
    subtitle: str,
    sources: list[str],
    demo: bool,
) -> bytes:
    """A one-page planning memo: the ranking's top ten and the scenario, with the caveat."""
    top = ranking_display(table.head(10), available)
    sections = [pdf_layout.MemoSection("Districts ranked by priority", "", top)]
    if result is not None:
        sections.append(
            pdf_layout.MemoSection(
                "What if access improved",
                f"{scenario_sentence(result, names)} {CAVEAT}",
                scenario_display(result),
            )
        )
    return pdf_layout.memo_pdf(
        "KP connectivity planning — priorities", subtitle, sections, sources, demo
    )
