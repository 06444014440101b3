"""Simulated monthly usage for demonstration, driven by the real district figures.

No district-level e-service usage is published, so the dashboard ships with simulated rows that
behave like real ones: uptake follows literacy (female literacy for women), grid electricity,
mobile ownership and urbanisation; admissions peak in August–September and teacher e-transfers in
the September window; counts carry over-dispersed noise. Every page labels them as demonstration
data. Each row is split into the contract's age bands in proportion to the census people of each
band the service is for, times a use per person by age and kind of channel (`AGE_PROPENSITY`),
then into people with and without a disability by the census share with one
(`DISABILITY_PROPENSITY`), each split with its own random stream, so the totals by district,
sex, area and channel do not depend on them. The output is identical for the same seed and
months.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kp_dash.store import age_bands, config
from kp_dash.store.age_bands import BANDS, band_population

DEMO_LAST_MONTH = date(2026, 10, 1)  # fixed so that the output never depends on today's date
DEFAULT_SEED = 2023
DEFAULT_MONTHS = 36
SEXES = ("female", "male")
AREAS = ("urban", "rural")

# transactions per 1,000 eligible people per month at full access, before seasonality
BASE_RATE_PER_1000 = {
    "health_complaints": 1.2,
    "health_card": 9.0,
    "telemedicine": 2.0,
    "hospital_appointments": 6.0,
    "education_complaints": 0.8,
    "teacher_etransfer": 0.9,
    "college_admissions": 5.0,
    "fee_payment": 8.0,
}
# annual growth of all transactions, and of the digital share in percentage points
ANNUAL_GROWTH = {"telemedicine": 0.45, "hospital_appointments": 0.25}
DEFAULT_GROWTH = 0.12
DIGITAL_SHIFT_PER_YEAR = 0.04
# social barriers women face beyond literacy (assisted channels narrow the gap)
FEMALE_DIGITAL_FACTOR = 0.55
# use per person of each age band by kind of channel, relative to ages 25-59: children's use
# goes through their parents, young adults lead online, older people rely on the counter
AGE_PROPENSITY = {
    "digital": (0.5, 0.6, 1.4, 1.0, 0.35),
    "assisted": (0.5, 0.6, 0.9, 1.0, 0.9),
    "counter": (0.6, 0.6, 0.8, 1.0, 1.3),
}  # in the order of age_bands.BANDS
# use per person with a disability, relative to people without one, by kind of channel:
# barriers online, more help sought at assisted points
DISABILITY_PROPENSITY = {"digital": 0.45, "assisted": 1.2, "counter": 1.0}
CHANNEL_KIND = {
    "online": "digital",
    "mobile_app": "digital",
    "kiosk": "assisted",
    "facilitation_centre": "assisted",
    "helpline": "assisted",
    "counter": "counter",
}


def seasonality(service: str, month: int) -> float:
    """Monthly multiplier: admissions in August–September, the e-transfer window in September."""
    if service == "college_admissions":
        return {7: 1.2, 8: 3.6, 9: 3.0, 10: 0.8}.get(month, 0.3)
    if service == "teacher_etransfer":
        return {8: 1.5, 9: 6.0, 10: 1.0}.get(month, 0.2)
    if service == "fee_payment":
        return {3: 1.5, 4: 1.4, 8: 1.6, 9: 1.5}.get(month, 0.8)
    if service in ("health_card", "hospital_appointments", "telemedicine"):
        return {6: 1.15, 7: 1.2, 8: 1.15, 12: 1.1, 1: 1.1}.get(month, 1.0)
    return 1.0


def demo_months(n_months: int, last: date = DEMO_LAST_MONTH) -> list[date]:
    periods = pd.period_range(end=pd.Period(last, "M"), periods=n_months, freq="M")
    return [p.start_time.date() for p in periods]


def _district_inputs(seed_dir: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(seed_dir / f"{name}.csv")
        for name in (
            "districts",
            "services",
            "population",
            "literacy",
            "lighting",
            "mobile_ownership",
            "disability",
        )
    }


def _cell_frame(inputs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per service × district × sex × area with eligible population and access inputs."""
    pop = inputs["population"]
    pop = pop[(pop["census_year"] == 2023) & pop["sex"].isin(SEXES) & pop["area"].isin(AREAS)]
    services = inputs["services"][["service_code", "population_age_group"]]
    cells = services.merge(pop, left_on="population_age_group", right_on="age_group")
    lit = inputs["literacy"]
    lit = lit[lit["sex"].isin(SEXES) & lit["area"].isin(AREAS)]
    lit = lit.assign(literacy=lit["literate_10plus"] / lit["population_10plus"])
    cells = cells.merge(
        lit[["district_code", "sex", "area", "literacy"]],
        on=["district_code", "sex", "area"],
        how="left",
    )
    light = inputs["lighting"]
    light = light.assign(grid=light["households_grid_light"] / light["households"])
    cells = cells.merge(
        light[["district_code", "area", "grid"]], on=["district_code", "area"], how="left"
    )
    mobile = inputs["mobile_ownership"][["district_code", "mobile_hh_pct"]]
    cells = cells.merge(mobile, on="district_code", how="left")
    cells = cells[cells["population"] > 0].fillna({"literacy": 0.0, "grid": 0.0})
    keep = [
        "service_code",
        "district_code",
        "sex",
        "area",
        "population",
        "literacy",
        "grid",
        "mobile_hh_pct",
    ]
    return cells[keep].sort_values(keep[:4], ignore_index=True)


def _access(cells: pd.DataFrame) -> np.ndarray:
    """0–1 capacity to use a digital channel."""
    urban_bonus = np.where(cells["area"] == "urban", 1.15, 1.0)
    female = np.where(cells["sex"] == "female", FEMALE_DIGITAL_FACTOR, 1.0)
    access = (
        cells["literacy"] ** 1.3
        * (0.35 + 0.65 * cells["grid"])
        * (cells["mobile_hh_pct"] / 100)
        * urban_bonus
        * female
    )
    return np.clip(access.to_numpy(), 0.0, 1.0)


def generate(
    seed: int = DEFAULT_SEED,
    n_months: int = DEFAULT_MONTHS,
    seed_dir: Path | None = None,
    groups: bool = True,
) -> pd.DataFrame:
    """The simulated usage rows, in the `usage` import format of CONTRACTS.md (without
    `groups`: before the split into age bands and disability, both 'unknown')."""
    rng = np.random.default_rng(seed)
    inputs = _district_inputs(seed_dir or config.SEED_DIR)
    cells = _cell_frame(inputs)
    access = _access(cells)
    months = demo_months(n_months)
    base = cells["service_code"].map(BASE_RATE_PER_1000).to_numpy()
    growth = cells["service_code"].map(ANNUAL_GROWTH).fillna(DEFAULT_GROWTH).to_numpy()
    district_need = rng.lognormal(0.0, 0.25, size=len(cells))  # local awareness, staffing
    frames = []
    for step, month in enumerate(months):
        years = (step - (len(months) - 1)) / 12  # 0 at the last month
        season = cells["service_code"].map(lambda s, m=month.month: seasonality(s, m)).to_numpy()
        demand = cells["population"].to_numpy() * base / 1000 * season * district_need
        demand *= (1 + growth) ** years * (0.25 + 0.75 * np.sqrt(access))
        digital = np.clip(0.08 + 0.8 * access + DIGITAL_SHIFT_PER_YEAR * years, 0.02, 0.95)
        frames.append(_channel_rows(cells, month, demand, digital, access, rng))
    usage = pd.concat(frames, ignore_index=True)
    if groups:
        usage = _split_ages(usage, _band_people(inputs), np.random.default_rng([seed, 1]))
        usage = _split_disability(usage, inputs["disability"], np.random.default_rng([seed, 2]))
    keys = ["month", "district", "service", "channel", "sex", "area", "age_band", "disability"]
    return usage.sort_values(keys, ignore_index=True)


def _band_people(inputs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The people of each age band each service is for, by district × sex × area (Census
    2023): one column per band, in `BANDS` order."""
    pop = inputs["population"]
    pop = pop[(pop["census_year"] == 2023) & pop["sex"].isin(SEXES) & pop["area"].isin(AREAS)]
    rows = []
    for (district, sex, area), groups in pop.groupby(["district_code", "sex", "area"]):
        by_group = dict(zip(groups["age_group"], groups["population"], strict=True))
        services = inputs["services"]
        eligible_ages = zip(services["service_code"], services["population_age_group"], strict=True)
        for service, eligible in eligible_ages:
            people = band_population(by_group, eligible)
            rows.append((service, district, sex, area, *(people[b] for b in BANDS)))
    return pd.DataFrame(rows, columns=["service", "district", "sex", "area", *BANDS]).fillna(0.0)


def _split_ages(usage: pd.DataFrame, people: pd.DataFrame, rng) -> pd.DataFrame:
    """Each row split into age bands: transactions by a multinomial draw, users drawn from the
    band's transactions (so a band never has more users than transactions); the bands a
    service is not for are left out."""
    rows = usage.drop(columns="age_band").merge(
        people, on=["service", "district", "sex", "area"], how="left"
    )
    counts = rows[list(BANDS)].to_numpy(dtype=float)
    kinds = rows["channel"].map(CHANNEL_KIND)
    weights = counts * np.array([AGE_PROPENSITY[k] for k in kinds])
    shares = weights / weights.sum(axis=1, keepdims=True)
    transactions = rng.multinomial(rows["transactions"].to_numpy(), shares)
    users = np.zeros_like(transactions)
    left_users, left = rows["users"].to_numpy(), rows["transactions"].to_numpy()
    for band in range(len(BANDS)):
        users[:, band] = rng.hypergeometric(transactions[:, band], left - transactions[:, band],
                                            left_users)  # fmt: skip
        left_users, left = left_users - users[:, band], left - transactions[:, band]
    parts = []
    for band, name in enumerate(BANDS):
        keep = counts[:, band] > 0
        part = usage.loc[keep].assign(age_band=name)
        part["transactions"] = transactions[keep, band]
        part["users"] = users[keep, band]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _channel_rows(cells, month, demand, digital, access, rng) -> pd.DataFrame:
    assisted = (1 - digital) * np.where(cells["sex"] == "female", 0.55, 0.4)
    mobile_app = 0.35 + 0.3 * (cells["mobile_hh_pct"].to_numpy() / 100) * access
    shares = {
        "online": digital * (1 - mobile_app),
        "mobile_app": digital * mobile_app,
        "kiosk": assisted * 0.25,
        "facilitation_centre": assisted * 0.55,
        "helpline": assisted * 0.20,
        "counter": 1 - digital - assisted,
    }
    parts = []
    for channel, share in shares.items():
        mean = demand * share * rng.gamma(12.0, 1 / 12.0, size=len(cells))
        transactions = rng.poisson(mean)
        users = rng.binomial(transactions, 0.7 + 0.2 * rng.random(len(cells)))
        parts.append(
            pd.DataFrame(
                {
                    "month": f"{month:%Y-%m}",
                    "district": cells["district_code"],
                    "service": cells["service_code"],
                    "channel": channel,
                    "sex": cells["sex"],
                    "area": cells["area"],
                    "age_band": "unknown",
                    "disability": "unknown",
                    "transactions": transactions.astype("int64"),
                    "users": users.astype("int64"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _split_disability(usage: pd.DataFrame, census: pd.DataFrame, rng) -> pd.DataFrame:
    """Each row split into people with and without a disability: the census share with one in
    its district, sex and area, weighted by `DISABILITY_PROPENSITY`; users drawn from each
    part's transactions."""
    census = census.assign(share=census["with_disability"] / census["population"])
    census = census.rename(columns={"district_code": "district"})
    rows = usage.merge(census[["district", "sex", "area", "share"]], how="left")
    share = rows["share"].fillna(0.0).to_numpy()
    weight = share * rows["channel"].map(CHANNEL_KIND).map(DISABILITY_PROPENSITY).to_numpy()
    transactions, users = rows["transactions"].to_numpy(), rows["users"].to_numpy()
    yes = rng.binomial(transactions, weight / (weight + 1 - share))
    users_yes = rng.hypergeometric(yes, transactions - yes, users)
    return pd.concat(
        [
            usage.assign(disability="yes", transactions=yes, users=users_yes),
            usage.assign(disability="no", transactions=transactions - yes, users=users - users_yes),
        ],
        ignore_index=True,
    )


GENERATOR_KEY = b"kp_dash_demo_generator"


def generator_stamp() -> str:
    """The identity of this generator (its code and the age bands it splits into): a file made
    by another is made again by the build."""
    digest = hashlib.sha256()
    for module in (Path(__file__), Path(age_bands.__file__)):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def is_current(path: Path | None = None) -> bool:
    """Whether the demonstration file exists and was written by this generator."""
    path = path or config.DEMO_USAGE_FILE
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid):
        return False
    return metadata.get(GENERATOR_KEY) == generator_stamp().encode()


def write_demo(
    path: Path | None = None, seed: int = DEFAULT_SEED, n_months: int = DEFAULT_MONTHS
) -> tuple[Path, int]:
    """Write the demonstration usage file atomically, stamped with its generator; returns its
    path and row count."""
    path = path or config.DEMO_USAGE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    usage = generate(seed, n_months)
    table = pa.Table.from_pandas(usage, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), GENERATOR_KEY: generator_stamp().encode()}
    )
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path, len(usage)
