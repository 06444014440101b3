"""Values of the data contract that reading, checking and writing files share: the coordinate
systems of the district layers and the first characters that make a spreadsheet run a cell as a
formula. (The metric codes a targets file may name are the metric definitions':
`db.metric_codes()`.)"""

from __future__ import annotations

CRS = "EPSG:4326"  # every district layer, as drawn and as bundled
UTM_43N = "EPSG:32643"  # metres over KP, for border lengths and centroids

# A spreadsheet runs a cell starting with one of these as a formula (CONTRACTS.md: neutralise).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
