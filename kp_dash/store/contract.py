"""Values of the data contract that reading, checking and writing files share: the metric codes
(the registry's, in its order; a targets file may name one), the coordinate systems of the
district layers, and the first characters that make a spreadsheet run a cell as a formula."""

from __future__ import annotations

# The codes of the metrics in METRICS.md, in the registry's order; a unit test fails when the
# registry and this list drift apart.
METRIC_CODES = (
    "uptake_per_1000",
    "reach_pct",
    "digital_share_pct",
    "assisted_share_pct",
    "female_share_pct",
    "gender_parity",
    "mobile_hh_pct",
    "literacy_pct",
    "literacy_female_pct",
    "literacy_female_rural_pct",
    "grid_light_pct",
    "access_index",
    "expected_uptake",
    "uptake_gap",
    "unserved_population",
    "concentration_index",
)

CRS = "EPSG:4326"  # every district layer, as drawn and as bundled
UTM_43N = "EPSG:32643"  # metres over KP, for border lengths and centroids

# A spreadsheet runs a cell starting with one of these as a formula (CONTRACTS.md: neutralise).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
