"""Data quality on a hand-made fixture: six districts, four services, twelve months of 2025.

`tests/fixtures/quality/usage_quality.csv` (digital channel `online` unless said otherwise):
- Abbottabad, Bannu, Haripur, Kohat (≈200 a month) and Peshawar (≈400) report every service
  every month, each on a +5 % / 0 / -5 % cycle whose phases cancel across districts;
- college admissions peak in August (×4) and September (×3) everywhere: a seasonal peak that
  must NOT be flagged;
- Bajaur (PK502): health complaints ≈30 with no return for April (the gap) and 90 in June (the
  outlier), plus an 8-transaction counter row in January; telemedicine ≈25 with 150 in October
  (the spike); health card 1,100 every month with 1,050 users in May against an eligible
  population of 1,000 (users above population).
Indicator rows are added to the built database by hand (imports of indicators are not built yet).
"""

from __future__ import annotations

import io
import math
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kp_dash.numbers import freshness, quality
from kp_dash.store import batches, build, db
from kp_dash.views import quality_view
from tests.conftest import small_seed

FIXTURE_DIR = Path(__file__).parents[1] / "fixtures" / "quality"
USAGE_FILE = FIXTURE_DIR / "usage_quality.csv"
EXTRA_DISTRICTS = FIXTURE_DIR / "districts_extra.csv"
BAJAUR, PESHAWAR = "PK502", "PK528"
SERVICES = {"college_admissions", "health_card", "health_complaints", "telemedicine"}
INDICATOR_BATCH = "i-20260105-ab12cd"
INDICATORS = pd.DataFrame(
    [
        # Bajaur: 300 + 400 = 700 > 650, inconsistent
        (BAJAUR, 2023, "mobile_owners", "female", 300.0, "count"),
        (BAJAUR, 2023, "mobile_owners", "male", 400.0, "count"),
        (BAJAUR, 2023, "mobile_owners", "all", 650.0, "count"),
        # Peshawar: 1,000 + 1,200 = 2,200 ≤ 2,300, fine
        (PESHAWAR, 2023, "mobile_owners", "female", 1000.0, "count"),
        (PESHAWAR, 2023, "mobile_owners", "male", 1200.0, "count"),
        (PESHAWAR, 2023, "mobile_owners", "all", 2300.0, "count"),
        # percentages are not additive: never checked
        (PESHAWAR, 2023, "internet_use_pct", "female", 60.0, "pct"),
        (PESHAWAR, 2023, "internet_use_pct", "male", 70.0, "pct"),
        (PESHAWAR, 2023, "internet_use_pct", "all", 50.0, "pct"),
        # no male value: nothing to compare
        ("PK501", 2023, "mobile_owners", "female", 900.0, "count"),
        ("PK501", 2023, "mobile_owners", "all", 300.0, "count"),
    ],
    columns=["district_code", "year", "indicator", "grp", "value", "unit"],
).assign(source="Fixture survey", source_kind="survey", batch_id=INDICATOR_BATCH)


def manifest_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Records as `batches.read_manifest()` returns them."""
    return pd.DataFrame(rows, columns=batches.MANIFEST_COLUMNS)


MANIFEST = manifest_frame(
    [
        {
            "batch_id": "quality",
            "kind": "usage",
            "file_name": "Returns Jan-Dec 2025.xlsx",
            "rows": 289,
            "who": "data officer",
            "imported_at": "2026-01-20T10:00:00+00:00",
            "status": "accepted",
            "first_month": "2025-01",
            "last_month": "2025-12",
        },
        {
            "batch_id": INDICATOR_BATCH,
            "kind": "indicators",
            "file_name": "owners.csv",
            "rows": 11,
            "who": "data officer",
            "imported_at": "2026-01-05T09:30:00+00:00",
            "status": "accepted",
        },
        {
            "batch_id": "u-20251201-000000",
            "kind": "usage",
            "file_name": "wrong month.csv",
            "rows": 5,
            "who": "data officer",
            "imported_at": "2025-12-01T08:00:00+00:00",
            "status": "withdrawn",
            "withdrawn_at": "2025-12-02T08:00:00+00:00",
            "withdrawn_by": "supervisor",
            "first_month": "2025-10",
            "last_month": "2025-10",
        },
    ]
)


@pytest.fixture(scope="module")
def quality_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quality")
    seed_dir = small_seed(root / "seed")
    with (seed_dir / "districts.csv").open("a", encoding="utf-8") as handle:
        handle.write(EXTRA_DISTRICTS.read_text(encoding="utf-8"))
    source = build.UsageSource(USAGE_FILE, "quality", "admin", "Fixture returns")
    path = root / "quality.duckdb"
    build.build(path, with_demo=False, seed_dir=seed_dir, extra_usage=[source])
    with duckdb.connect(str(path)) as con:
        con.register("fixture_indicators", INDICATORS)
        con.execute("insert into indicator_values by name select * from fixture_indicators")
    return path


@pytest.fixture
def con(quality_db: Path):
    with db.connect_readonly(quality_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def empty_quality_db(empty_db: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("empty_quality") / "empty.duckdb"
    shutil.copy(empty_db, path)
    return path


# --- the SQL files -----------------------------------------------------------------------------


def test_quality_views_have_a_header_and_one_statement() -> None:
    files = db.sql_files("quality")
    assert len(files) >= 6
    for sql_file in files:
        assert set(sql_file.header) == {"view", "grain", "formula", "unit"}, sql_file.name
        view = sql_file.header["view"]
        assert sql_file.name.endswith(view), sql_file.name
        assert sql_file.statement.startswith(f"create or replace view {view} as")
        assert sql_file.statement.count(";") == 0
        assert sql_file.statement == sql_file.statement.lower(), sql_file.name


# --- completeness ------------------------------------------------------------------------------


def test_completeness_marks_the_gap_as_not_received_never_zero(con) -> None:
    frame = quality.completeness(con)
    assert len(frame) == 6 * 12 * 4  # districts × months × services with data
    assert set(frame["service_code"]) == SERVICES
    assert frame["expected"].eq(1).all()
    assert frame["received"].sum() == 6 * 12 * 4 - 1
    gap = frame.query("district_code == @BAJAUR and month == '2025-04'").set_index("service_code")
    assert gap.loc["health_complaints", "received"] == 0
    assert gap.loc["health_complaints", "row_count"] == 0
    assert pd.isna(gap.loc["health_complaints", "transactions"])  # no data, not 0
    january = frame.query(
        "district_code == @BAJAUR and month == '2025-01' and service_code == 'health_complaints'"
    ).iloc[0]
    assert (january["row_count"], january["transactions"]) == (2, 30 + 8)


def test_completeness_filters_service_and_months(con) -> None:
    frame = quality.completeness(con, "health_card", "2025-03", "2025-05")
    assert len(frame) == 6 * 3
    assert set(frame["month"]) == {"2025-03", "2025-04", "2025-05"}
    assert frame["received"].eq(1).all()
    # a service with no data in the period is not expected at all
    assert quality.completeness(con, "fee_payment").empty


def _trace(figure, name: str):
    return next(trace for trace in figure.data if trace.name == name)


def _cell(trace, district: str, month: str):
    return trace.z[list(trace.y).index(district)][list(trace.x).index(month)]


def test_heatmap_shares_of_expected_services(con) -> None:
    figure = quality_view.completeness_heatmap(quality.completeness(con))
    shares, no_data = _trace(figure, "Share received"), _trace(figure, quality_view.NO_DATA)
    assert list(shares.y) == ["Abbottabad", "Bajaur", "Bannu", "Haripur", "Kohat", "Peshawar"]
    assert len(shares.x) == 12
    assert _cell(shares, "Bajaur", "2025-04") == pytest.approx(3 / 4)
    assert _cell(shares, "Peshawar", "2025-04") == pytest.approx(1.0)
    assert all(v is None or math.isnan(v) for row in no_data.z for v in row)
    text = shares.text[list(shares.y).index("Bajaur")][list(shares.x).index("2025-04")]
    assert "Bajaur" in text and "2025-04" in text and "Received 3 of 4" in text
    assert "Rows: 3" in text


def test_heatmap_draws_no_data_in_its_own_grey_class(con) -> None:
    figure = quality_view.completeness_heatmap(quality.completeness(con, "health_complaints"))
    shares, no_data = _trace(figure, "Share received"), _trace(figure, quality_view.NO_DATA)
    assert math.isnan(_cell(shares, "Bajaur", "2025-04"))  # not a 0 on the colour scale
    assert _cell(no_data, "Bajaur", "2025-04") == 1
    filled = [
        (y, x)
        for y, row in zip(no_data.y, no_data.z, strict=True)
        for x, v in zip(no_data.x, row, strict=True)
        if v is not None and not math.isnan(v)
    ]
    assert filled == [("Bajaur", "2025-04")]
    assert {c[1] for c in no_data.colorscale} == {quality_view.NO_DATA_COLOUR}
    assert not any(v == 0 for row in shares.z for v in row)
    text = no_data.text[list(no_data.y).index("Bajaur")][list(no_data.x).index("2025-04")]
    assert quality_view.NO_DATA in text and "Rows: 0" in text


def test_heatmap_of_nothing_says_so() -> None:
    figure = quality_view.completeness_heatmap(pd.DataFrame())
    assert not figure.data
    assert figure.layout.annotations[0].text == "No usage data"


def test_least_complete_districts(con) -> None:
    table = quality.least_complete(quality.completeness(con), count=3)
    assert table.iloc[0].to_dict() == {
        "district_name": "Bajaur",
        "expected": 48,
        "received": 47,
        "completeness_pct": 97.9,  # 100 × 47 ÷ 48
        "months_no_data": 0,  # April still brought three services
        "source": "Fixture returns",
        "year": "2025",
    }
    assert len(table) == 3
    single = quality.least_complete(quality.completeness(con, "health_complaints"))
    assert single.iloc[0][["received", "completeness_pct", "months_no_data"]].tolist() == [
        11,
        91.7,  # 100 × 11 ÷ 12
        1,
    ]
    assert single["completeness_pct"].iloc[1:].eq(100.0).all()


def test_completeness_carries_the_source_and_years_of_the_selections_usage(
    two_sources_db: Path,
) -> None:
    with db.connect_readonly(two_sources_db) as con:
        everything = quality.completeness(con)
        january = quality.completeness(con, month_from="2025-01", month_to="2025-01")
        fees = quality.completeness(con, "fee_payment")
    # both batches, sources in alphabetical order, December 2024 to February 2025
    assert set(everything["source"]) == {"Education returns; Fixture returns"}
    assert set(everything["year"]) == {"2024-2025"}
    assert set(january["source"]) == {"Fixture returns"} and set(january["year"]) == {"2025"}
    assert set(fees["source"]) == {"Education returns"} and set(fees["year"]) == {"2024"}
    # Bajaur sent nothing from the December batch: what it lacks is measured against both
    table = quality.least_complete(everything)
    assert table["source"].eq("Education returns; Fixture returns").all()
    assert table["year"].eq("2024-2025").all()


# --- outliers ----------------------------------------------------------------------------------
#
# Seasonal index = mean provincial digital transactions of that calendar month ÷ mean of the
# twelve (one year of data: the month's own total ÷ the yearly mean).
#
# Hampel filter: month t is judged against the window of the same district × service's months
# within ±6 calendar months of t (t included): median and MAD = median |x - median| over that
# window, with the window's own median. In a 2025-only fixture the window of month t is
# Jan … Dec cut to t - 6 … t + 6: Jan–Jul for January, all twelve for June and July, Feb–Dec
# for August, Apr–Dec for October, Jun–Dec for December.
#
# Bajaur, health complaints. Province totals: Jun 1,300 (= 1,210 + 90), Aug 1,210, year 14,791,
# mean 1,232.583; index Jun = 1,300 ÷ 1,232.583 = 1.05470, Aug = 0.98168.
# Deseasonalised (x ÷ index), the 11 months with data (April missing):
#   Jan 29.82  Feb 32.54  Mar 27.88  May 31.55  Jun 85.33  Jul 28.85  Aug 30.56  Sep 30.79
#   Oct 27.88  Nov 32.54  Dec 29.82
# June's window (Dec 2024 … Dec 2025) holds all 11 months:
# sorted: 27.88 27.88 28.85 29.82 29.82 [30.56] 30.79 31.55 32.54 32.54 85.33 → median 30.56
# |x - median|: 0.74 1.98 2.68 0.99 54.77 1.71 0 0.23 2.68 1.98 0.74
# sorted: 0 0.23 0.74 0.74 0.99 [1.71] 1.98 1.98 2.68 2.68 54.77 → MAD 1.71
# z(Jun) = 0.6745 × (85.33 - 30.56) ÷ 1.71 = 21.60; expected = 30.56 × 1.05470 = 32.23
#
# Bajaur, telemedicine. Province totals Apr 1,235, May 1,205, Jun 1,234, Jul 1,236, Aug 1,205,
# Sep 1,235, Oct 1,360, Nov 1,204, Dec 1,236; year 14,825, mean 1,235.417, so index Apr 0.99966,
# May 0.97538, Jun 0.99885, Jul 1.00047, Aug 0.97538, Sep 0.99966, Oct 1.10084, Nov 0.97457,
# Dec 1.00047. October's window is Apr–Dec (9 months), x = transactions ÷ index:
#   Apr 25 → 25.008  May 25 → 25.631  Jun 24 → 24.028  Jul 26 → 25.988  Aug 25 → 25.631
#   Sep 25 → 25.008  Oct 150 → 136.259  Nov 24 → 24.626  Dec 26 → 25.988
# sorted: 24.028 24.626 25.008 25.008 [25.631] 25.631 25.988 25.988 136.259 → median 25.631
# |x - median|: 0.623 0 1.603 0.357 0 0.623 110.628 1.005 0.357
# sorted: 0 0 0.357 0.357 [0.623] 0.623 1.005 1.603 110.628 → MAD 0.623
# z(Oct) = 0.6745 × (136.259 - 25.631) ÷ 0.623 = 0.6745 × 110.628 ÷ 0.623 = 119.85;
# expected = 25.631 × 1.10084 = 28.22
#
# Peshawar, college admissions (the seasonal peak). Province Aug 4,920, year 21,210, mean
# 1,767.5, index Aug 2.78359: x = 1,520 ÷ 2.78359 = 546.06. Deseasonalised months Jan … Dec:
#   561.11 548.29 586.84 561.11 546.06 586.84 563.35 546.06 589.17 561.11 548.29 586.84
# August's window is Feb–Dec (11 months):
# sorted: 546.06 546.06 548.29 548.29 561.11 [561.11] 563.35 586.84 586.84 586.84 589.17
#   → median 561.11
# |x - median| (Feb … Dec): 12.82 25.73 0 15.05 25.73 2.24 15.05 28.06 0 12.82 25.73
# sorted: 0 0 2.24 12.82 12.82 [15.05] 15.05 25.73 25.73 25.73 28.06 → MAD 15.05
# z(Aug) = 0.6745 × (546.06 - 561.11) ÷ 15.05 = 0.6745 × -15.05 ÷ 15.05 = -0.6745: not an
# outlier. Without the index the raw window (380 420 400 380 420 400 1,520 1,260 400 380 420:
# median 400, |x - 400| sorted 0 0 0 20 20 [20] 20 20 20 860 1,120, MAD 20) would give
# z(Aug) = 0.6745 × 1,120 ÷ 20 = 37.8.


def test_outliers_flag_the_outlier_and_the_spike_only(con) -> None:
    frame = quality.outliers(con)
    assert frame[
        ["district_code", "service_code", "month", "value", "direction"]
    ].values.tolist() == [
        [BAJAUR, "telemedicine", "2025-10", 150, "high"],
        [BAJAUR, "health_complaints", "2025-06", 90, "high"],
    ]
    assert frame["z"].tolist() == pytest.approx([119.85, 21.60], abs=0.01)
    assert frame[["source", "year"]].values.tolist() == [["Fixture returns", "2025"]] * 2
    june = frame.iloc[1]
    assert june["expected"] == pytest.approx(32.23, abs=0.01)
    assert june["seasonal_index"] == pytest.approx(1300 / (14791 / 12))
    assert june["district_name"] == "Bajaur"


def test_seasonal_peak_is_not_an_outlier(con) -> None:
    assert quality.outliers(con, "college_admissions").empty
    scores = quality.outliers(con, "college_admissions", threshold=0, min_difference=0)
    august = scores.query("district_code == @PESHAWAR and month == '2025-08'").iloc[0]
    assert august["seasonal_index"] == pytest.approx(4920 / 1767.5)
    assert august["z"] == pytest.approx(-0.6745, abs=0.0001)
    assert scores["z"].abs().max() < quality.OUTLIER_THRESHOLD


def test_outliers_filter_service_months_and_threshold(con) -> None:
    # z(Jun) = 21.60 and z(Oct) = 119.85 (above); every other month of the fixture has |z| < 3.5
    # (the largest, a ±5 % cycle month, -2.85). June is 90 - 32.23 = 57.8 transactions off.
    assert quality.outliers(con, "health_complaints")["month"].tolist() == ["2025-06"]
    assert quality.outliers(con, month_from="2025-07")["month"].tolist() == ["2025-10"]
    assert quality.outliers(con, threshold=50)["month"].tolist() == ["2025-10"]
    # the month is far off in z but only by a few transactions: no alarm
    assert quality.outliers(con, "health_complaints", min_difference=60).empty


def test_constant_series_uses_the_mean_absolute_deviation(con) -> None:
    # Bajaur health card: 1,100 every month; the index takes two values (2,310 and 2,280 over a
    # mean of 2,300) so x is L = 1,095.24 in eight months and H = 1,109.65 in four (Feb, May,
    # Aug, Nov); H - L = 14.41. Every window has more L than H: median L, MAD 0, so
    # z(H) = 14.41 ÷ (1.253314 × mean |x - L|), mean |x - L| = 14.41 × (number of H) ÷ size:
    #   Feb: window Jan–Aug, 3 H of 8: mean 3 × 14.41 ÷ 8 = 5.4041, z = 14.41 ÷ 6.7731 = 2.128
    #   May: window Jan–Nov, 4 H of 11: mean 4 × 14.41 ÷ 11 = 5.2404, z = 14.41 ÷ 6.5679 = 2.194
    #   Aug: window Feb–Dec, 4 H of 11: 2.194;  Nov: window May–Dec, 3 H of 8: 2.128
    # the L months are the median itself: z = 0, not listed
    scores = quality.outliers(con, "health_card", threshold=0, min_difference=0)
    bajaur = scores.query("district_code == @BAJAUR").sort_values("month")
    assert bajaur["month"].tolist() == ["2025-02", "2025-05", "2025-08", "2025-11"]
    assert bajaur["z"].tolist() == pytest.approx([2.128, 2.194, 2.194, 2.128], abs=0.001)


def _scores(values: dict[str, list[float]]) -> pd.DataFrame:
    """The outlier view over a hand-made monthly series (seasonal index 1: x is the value)."""
    rows = [
        (series, "svc", date(2025 + month // 12, month % 12 + 1, 1), value, 1.0, value)
        for series, months in values.items()
        for month, value in enumerate(months)
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "district_code",
            "service_code",
            "month_start",
            "digital_transactions",
            "seasonal_index",
            "deseasonalised",
        ],
    )
    statement = next(f for f in db.sql_files("quality") if f.name.endswith("outlier_scores"))
    with duckdb.connect() as con:
        con.register("monthly", frame)
        con.execute("create table quality_monthly_digital as select * from monthly")
        con.execute(statement.statement)
        sql = "select district_code, month_start, z from quality_outlier_scores order by all"
        return con.execute(sql).df()


def test_modified_z_score_by_hand() -> None:
    scores = _scores(
        {
            # Jan … Aug: the window of Feb … Jul (±6) is all eight months:
            # sorted 96 98 100 100 100 102 104 160: median 100; |x - 100| sorted
            # 0 0 0 2 2 4 4 60: MAD 2; z(160) = 0.6745 × 60 ÷ 2 = 20.235, z(104) = 1.349.
            # Jan's window Jan–Jul lacks Aug's 100, Aug's window Feb–Aug lacks Jan's 100: both
            # sort to 96 98 100 [100] 102 104 160, median 100, |x - 100| sorted
            # 0 0 2 [2] 4 4 60, MAD 2, and z(Jan) = z(Aug) = 0.6745 × 0 ÷ 2 = 0
            "a": [100, 104, 96, 102, 98, 100, 160, 100],
            # seven months: every window is the whole series.
            # MAD 0 (six of seven alike): mean |x - 50| = 30 ÷ 7 = 4.2857;
            # z(80) = 30 ÷ (1.253314 × 4.2857) = 5.585, the others 0
            "b": [50, 50, 50, 50, 50, 50, 80],
            # every month alike: 0, not a division by zero
            "c": [40, 40, 40, 40, 40, 40],
            # five months: every window has 5 < 6 months, too short to judge
            "d": [10, 10, 90, 10, 10],
        }
    )
    z = scores.groupby("district_code")["z"].apply(list)
    assert z["a"] == pytest.approx([0, 1.349, -1.349, 0.6745, -0.6745, 0, 20.235, 0], abs=0.001)
    assert z["b"] == pytest.approx([0] * 6 + [5.585], abs=0.001)
    assert z["c"] == [0.0] * 6
    assert all(pd.isna(v) for v in z["d"])


def test_steady_growth_is_not_an_outlier() -> None:
    # Seasonal index 1 (x is the value), 24 months t = 0 … 23.
    # "steady": x_t = 100 × 1.03^t. A full window (t = 6 … 17) is x_t × 1.03^k, k = -6 … 6, in
    # increasing order: median = x_t (the 7th of 13), so z(t) = 0; |x - x_t| ÷ x_t sorted
    #   0, 1 - 1.03^-1 = 0.0291, 0.03, 1 - 1.03^-2 = 0.0574, 0.0609, 1 - 1.03^-3 = 0.0849,
    #   [1.03^3 - 1 = 0.0927], 0.1115, 0.1255, … → MAD = 0.0927 × x_t.
    # Last month (t = 23): window t = 17 … 23 (7 months), median x_20 (the 4th);
    #   |x - x_20| ÷ x_20 sorted 0 0.0291 0.03 [0.0574] 0.0609 0.0849 0.0927 → MAD 0.0574 × x_20;
    #   z(23) = 0.6745 × (1.03^3 - 1) ÷ (1 - 1.03^-2) = 0.6745 × 0.0927 ÷ 0.0574 = 1.090.
    # First month (t = 0), mirrored: window t = 0 … 6, median x_3, MAD 0.0574 × x_3;
    #   z(0) = 0.6745 × (1.03^-3 - 1) ÷ (1 - 1.03^-2) = 0.6745 × -0.0849 ÷ 0.0574 = -0.997.
    # The months between the ends lie between these (the window shrinks towards the ends).
    # The whole-history version would not have flagged this series either: median
    # (x_11 + x_12) ÷ 2 = 140.50, MAD 24.68, z(23) = 0.6745 × (197.36 - 140.50) ÷ 24.68 = 1.55;
    # steady exponential growth stays near its own middle. What it did flag is growth that takes
    # off after a flat stretch:
    # "takeoff": 100 for 12 months, then 100 × 1.03^k, k = 1 … 12 (103, 106.09, … 142.58).
    #   Whole history: sorted twelve 100s, [100 103] … → median 101.5; |x - 101.5|: twelve 1.5,
    #   then 1.5 4.59 7.77 …, the 12th and 13th both 1.5 → MAD 1.5; z(t = 15, x 112.55) =
    #   0.6745 × 11.05 ÷ 1.5 = 4.97 up to z(23) = 0.6745 × (142.58 - 101.5) ÷ 1.5 = 18.47:
    #   the last nine months flagged at 3.5 just for growing.
    #   Hampel: t = 0 … 11 have at least seven 100s of their window: median 100 = x_t, z = 0;
    #   t = 12 … 17 have a full window in non-decreasing order: median = x_t, z = 0;
    #   t = 23's window t = 17 … 23 is 3 % growth as in "steady": z(23) = 1.090. Nothing flagged.
    scores = _scores(
        {
            "steady": [100 * 1.03**t for t in range(24)],
            "takeoff": [100.0] * 12 + [100 * 1.03**k for k in range(1, 13)],
        }
    )
    z = scores.groupby("district_code")["z"].apply(list)
    assert z["steady"][0] == pytest.approx(-0.997, abs=0.001)
    assert z["steady"][6:18] == pytest.approx([0] * 12, abs=1e-9)
    assert z["steady"][23] == pytest.approx(1.090, abs=0.001)
    assert z["takeoff"][:18] == pytest.approx([0] * 18, abs=1e-9)
    assert z["takeoff"][23] == pytest.approx(1.090, abs=0.001)
    assert max(abs(v) for v in z["steady"] + z["takeoff"]) == pytest.approx(1.090, abs=0.001)
    assert not (scores["z"].abs() > quality.OUTLIER_THRESHOLD).any()


# --- consistency -------------------------------------------------------------------------------


def test_consistency_lists_each_failed_check(con) -> None:
    frame = quality.consistency(con, MANIFEST)
    assert frame["check"].tolist() == [
        "female_male_above_total",
        "users_above_population",
        "month_out_of_line",
    ]
    sexes, users, spike = (row for _, row in frame.iterrows())
    assert (sexes["district_code"], sexes["year"], sexes["value"], sexes["reference"]) == (
        BAJAUR,
        2023,
        700,
        650,
    )
    assert pd.isna(sexes["month"]) and pd.isna(sexes["service_code"])
    assert "female 300 + male 400 = 700" in sexes["message"]
    assert sexes["files"] == "owners.csv"  # the upload name from the manifest
    assert sexes["check_label"] == quality.CHECKS["female_male_above_total"]

    assert (users["service_code"], users["month"], users["value"], users["reference"]) == (
        "health_card",
        "2025-05",
        1050,
        1000,
    )
    assert "1,050 users" in users["message"] and "1,000 eligible people" in users["message"]
    assert users["files"] == "Returns Jan-Dec 2025.xlsx"

    # deseasonalised: Oct 150 ÷ 1.10084 = 136.26; Sep 25 ÷ 0.99966 = 25.01, Nov 24 ÷ 0.97457
    # = 24.63; ratio 136.26 ÷ ((25.01 + 24.63) ÷ 2) = 5.49 > 5; expected 1.10084 × 24.82 = 27.3
    assert (spike["service_code"], spike["month"], spike["value"]) == (
        "telemedicine",
        "2025-10",
        150,
    )
    assert spike["reference"] == pytest.approx(27.3)
    assert "5.5×" in spike["message"] and "(25 and 24)" in spike["message"]


def test_consistency_leaves_seasons_gaps_and_modest_peaks_alone(con) -> None:
    frame = quality.consistency(con)
    flagged = set(zip(frame["service_code"].fillna(""), frame["month"].fillna(""), strict=True))
    # the admissions peak, the months around Bajaur's April gap, the June outlier (2.9×)
    # and the months beside the spike (0.31× and 0.30×) are all in line
    assert flagged == {("", ""), ("health_card", "2025-05"), ("telemedicine", "2025-10")}
    assert frame.loc[frame["check"] == "users_above_population", "files"].item() == (
        "usage_quality.csv"  # without a manifest: the file the build loaded
    )


def test_consistency_filters_service_and_months(con) -> None:
    frame = quality.consistency(con, service="telemedicine")
    assert frame["check"].tolist() == ["female_male_above_total", "month_out_of_line"]
    frame = quality.consistency(con, month_from="2025-01", month_to="2025-09")
    assert frame["check"].tolist() == ["female_male_above_total", "users_above_population"]


# --- timeliness and the import log -------------------------------------------------------------


def test_timeliness_of_usage_imports_and_seed(con) -> None:
    frame = freshness.timeliness(con, MANIFEST, today=date(2026, 11, 26)).set_index("name")
    usage = frame.loc["quality"]
    assert usage["kind"] == "usage"
    assert usage["file"] == "Returns Jan-Dec 2025.xlsx"
    assert usage["months_covered"] == "2025-01 to 2025-12"
    assert usage["imported_at"] == pd.Timestamp("2026-01-20 10:00")
    assert usage["lag_days"] == 20  # 31 December 2025 to 20 January 2026
    assert (usage["source"], usage["year"]) == ("Fixture returns", "2025")  # the months' year
    indicators = frame.loc[INDICATOR_BATCH]
    assert indicators["kind"] == "indicators"
    assert pd.isna(indicators["lag_days"]) and indicators["months_covered"] == ""
    assert (indicators["source"], indicators["year"]) == ("import", "2026")  # no months: imported
    assert "u-20251201-000000" not in frame.index  # withdrawn
    seeds = frame[frame["kind"] == "seed"]
    assert seeds.loc["mobile_ownership", ["year", "age_years"]].tolist() == ["2019", 7]
    assert seeds.loc["population", ["year", "age_years"]].tolist() == ["2023", 3]
    assert seeds.loc["population", "file"] == "data/seed/population.csv"


def test_timeliness_without_manifest_uses_the_build_time(con) -> None:
    frame = freshness.timeliness(con, None).set_index("name")
    loaded = frame.loc["quality", "imported_at"]
    assert pd.notna(loaded)
    assert (
        frame.loc["quality", "lag_days"] == (loaded.normalize() - pd.Timestamp("2025-12-31")).days
    )
    assert frame.loc["quality", "file"] == "usage_quality.csv"


def test_usage_sources_name_the_usage_in_the_database_with_its_years(con) -> None:
    waiting = {
        "batch_id": "u-20260201-000000",
        "kind": "usage",
        "file_name": "Returns Jan 2026.csv",
        "rows": 3,
        "who": "data officer",
        "imported_at": "2026-02-10T08:00:00+00:00",
        "status": "accepted",
        "first_month": "2026-01",
        "last_month": "2026-01",
    }
    manifest = pd.concat([MANIFEST, manifest_frame([waiting])], ignore_index=True)
    frame = freshness.timeliness(con, manifest, today=date(2026, 11, 26))
    assert freshness.NOT_LOADED in set(frame["source"])  # accepted, not built into the database
    # the seed tables and the import not yet built in are not what the checks ran on
    assert freshness.usage_sources(frame) == [("Fixture returns", "2025")]


def test_usage_sources_of_no_usage_are_none(empty_quality_db: Path) -> None:
    with db.connect_readonly(empty_quality_db) as con:
        assert freshness.usage_sources(freshness.timeliness(con, None)) == []


def test_import_log_is_readable_and_newest_first() -> None:
    log = quality_view.import_log(MANIFEST)
    assert list(log.columns) == list(quality_view.IMPORT_LOG_COLUMNS.values())
    assert log["File"].tolist() == ["Returns Jan-Dec 2025.xlsx", "owners.csv", "wrong month.csv"]
    assert log["Months"].tolist() == ["2025-01 to 2025-12", "", "2025-10"]
    assert log.loc[2, "Status"] == "withdrawn"
    assert log.loc[2, "Withdrawn by"] == "supervisor"
    assert log.loc[0, "Imported at (UTC)"] == pd.Timestamp("2026-01-20 10:00")


def test_import_log_of_nothing_has_its_columns() -> None:
    for manifest in (None, manifest_frame([])):
        log = quality_view.import_log(manifest)
        assert log.empty
        assert list(log.columns) == list(quality_view.IMPORT_LOG_COLUMNS.values())


# --- display, export, empty database -----------------------------------------------------------


def test_display_names_and_demo_label_in_exports(con) -> None:
    frame = quality.consistency(con)
    shown = quality_view.for_display(frame)
    assert "check" not in shown.columns
    assert {"Check", "District", "What is wrong"} <= set(shown.columns)
    outliers = quality_view.for_display(quality.outliers(con))
    assert outliers["Modified z"].tolist() == [119.85, 21.6]  # see the outlier working above
    assert outliers["Expected"].tolist() == [28.2, 32.2]
    assert outliers[list(quality_view.OUTLIER_COUNTS)].values.tolist() == [[150, 28.2], [90, 32.2]]
    assert outliers[["Source", "Year"]].values.tolist() == [["Fixture returns", "2025"]] * 2
    demo = pd.read_csv(io.BytesIO(quality_view.export_csv(frame, demo=True)), encoding="utf-8-sig")
    assert list(demo.columns) == [*shown.columns, "Note"]
    assert demo["Note"].eq(quality_view.DEMO_NOTE).all()
    assert len(demo) == len(frame)
    plain = pd.read_csv(io.BytesIO(quality_view.export_csv(frame)), encoding="utf-8-sig")
    assert list(plain.columns) == list(shown.columns)


def test_empty_database_has_nothing_to_flag(empty_quality_db: Path) -> None:
    with db.connect_readonly(empty_quality_db) as con:
        assert quality.completeness(con).empty
        assert quality.least_complete(quality.completeness(con)).empty
        assert quality.outliers(con).empty
        assert quality.consistency(con).empty
        timeliness = freshness.timeliness(con, None)
    assert set(timeliness["kind"]) == {"seed"}
    assert timeliness["age_years"].notna().all()


def test_exported_text_cannot_run_as_a_formula() -> None:
    manifest = manifest_frame([{"batch_id": "u-1", "file_name": "=HYPERLINK(1).csv"}])
    log = pd.read_csv(
        io.BytesIO(quality_view.export_csv(quality_view.import_log(manifest))), encoding="utf-8-sig"
    )
    assert log.loc[0, "File"] == "'=HYPERLINK(1).csv"
