"""How the excluded groups look: the group table and the unserved table for people, rounded
people estimates, and the district × group heat map of rate ratios. Frames in (from
`numbers.groups` and `numbers.group_rows`), text frames and plotly figures out; 'No data', never 0,
where a value is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers.groups import NO_DATA
from kp_dash.views import language, palettes
from kp_dash.views.language import N_


def round_people(value: float, lang: str = language.DEFAULT) -> str:
    """A survey-based people estimate for display: two to three significant figures."""
    if pd.isna(value):
        return NO_DATA
    if value >= 1_000_000:
        return language.text(N_("≈ {millions} million"), lang).format(
            millions=f"{value / 1_000_000:.1f}"
        )
    step = 1000 if value >= 100_000 else 100 if value >= 1_000 else 10
    return f"≈ {round(value / step) * step:,.0f}"


def _number(value: float, decimals: int) -> str:
    return NO_DATA if pd.isna(value) else f"{value:,.{decimals}f}"


def group_display(table: pd.DataFrame) -> pd.DataFrame:
    """The group table for people: numbers as text ('No data', never 0, where missing)."""
    return pd.DataFrame(
        {
            "Group": table["group"],
            "Compared with": table["comparison"],
            "Uptake of the group (per 1,000 eligible)": table["group_uptake_per_1000"].map(
                lambda v: _number(v, 2)
            ),
            "Uptake of the comparison (per 1,000 eligible)": table[
                "comparison_uptake_per_1000"
            ].map(lambda v: _number(v, 2)),
            "Rate ratio (1 = parity)": table["ratio"].map(lambda v: _number(v, 2)),
            "Parity band (0.98–1.02)": table["parity_band"],
            "Representation ratio": table["representation_ratio"].map(lambda v: _number(v, 2)),
            "Women's share of digital use (%)": table["female_share_pct"].map(
                lambda v: _number(v, 1)
            ),
            "Assisted-channel share (%)": table["assisted_share_pct"].map(lambda v: _number(v, 1)),
            "People in districts below the access median": table["people_below_access_median"].map(
                lambda v: NO_DATA if pd.isna(v) else f"{v:,.0f}"
            ),
            "Status": table["status"].replace("", "ok"),
            "Note": table["estimate_note"],
            "Source kind": table["source_kind"],
            "Source": table["source"],
            "Year": table["year"],
        }
    )


def unserved_display(table: pd.DataFrame) -> pd.DataFrame:
    """The unserved table for people: estimates rounded, parent-district values flagged."""
    return pd.DataFrame(
        {
            "District": table["district_name"],
            "Eligible population": table["eligible_population"].map(
                lambda v: NO_DATA if pd.isna(v) else f"{v:,.0f}"
            ),
            "Access index (0–100)": table["access_index"].map(lambda v: _number(v, 1)),
            "People the service cannot reach online (estimate)": table["unserved_population"].map(
                round_people
            ),
            "Note": [
                ("includes " if code == "KP" else "access uses ") + "parent-district survey values"
                if flag
                else ""
                for code, flag in zip(
                    table["district_code"], table["access_is_parent_estimate"], strict=True
                )
            ],
            "Source kind": "census; survey (estimate)",
            "Source": table["source"],
            "Year": table["year"],
        }
    )


def group_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """District × group heat map of rate ratios: a diverging scale centred on 1 (red = the group
    uses the service less than its comparison), 'No data' cells grey, hover with district,
    group and ratio."""
    z = matrix.to_numpy(dtype=float)
    districts, groups = list(matrix.index), list(matrix.columns)
    missing = np.where(np.isnan(z), 1.0, np.nan)
    figure = go.Figure(
        [
            go.Heatmap(
                z=z,
                x=groups,
                y=districts,
                zmin=0.0,
                zmid=1.0,
                zmax=2.0,
                colorscale=palettes.RATIO_SCALE,
                colorbar={"title": {"text": "ratio<br>(1 = parity)"}},
                hovertemplate="District: %{y}<br>Group: %{x}<br>Ratio: %{z:.2f}<extra></extra>",
                name="ratio",
                xgap=1,
                ygap=1,
            ),
            go.Heatmap(
                z=missing,
                x=groups,
                y=districts,
                colorscale=[[0.0, palettes.NO_DATA], [1.0, palettes.NO_DATA]],
                showscale=False,
                hovertemplate=f"District: %{{y}}<br>Group: %{{x}}<br>Ratio: {NO_DATA}"
                "<extra></extra>",
                name=NO_DATA,
                xgap=1,
                ygap=1,
            ),
        ]
    )
    figure.update_layout(
        height=max(320, 22 * len(districts) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"side": "top", "title": None},
        plot_bgcolor="white",
    )
    return figure
