"""Real usage is never added to the simulated usage: the first accepted real usage batch takes the
demonstration data out, withdrawing it does not bring the simulation back, `build --demo` does and
only while no real usage is accepted. Expected figures are worked out by hand from the files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from kp_dash import cli
from kp_dash.store import batches, build, config, db
from tests.conftest import census_population

GOOD = Path(__file__).parents[1] / "fixtures" / "imports" / "usage_good.csv"
# usage_good.csv: Peshawar online 120 (female), D.I. Khan mobile app 40 (male), Bajaur kiosk 12
DIGITAL, ALL_TRANSACTIONS, FEMALE_DIGITAL = 120 + 40, 120 + 40 + 12, 120
DISTRICTS = ("PK502", "PK509", "PK528")  # Bajaur, Dera Ismail Khan, Peshawar


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def metric(capsys, code: str, *by: str) -> pd.DataFrame:
    status, out, _ = run(capsys, "metric", code, *(a for b in by for a in ("--by", b)))
    assert status == 0
    return pd.read_csv(io.StringIO(out))


def population(codes: tuple[str, ...]) -> int:
    """Census 2023 total population of districts, read from the seed file."""
    return int(census_population()[list(codes)].sum())


def batch_kinds() -> list[str]:
    with db.connect_readonly() as con:
        return list(db.query_df(con, "select source_kind from usage_batches")["source_kind"])


@pytest.fixture
def on_demo(capsys) -> None:
    assert run(capsys, "build")[0] == 0
    assert build.has_demo() and batch_kinds() == ["demo"]


def test_first_real_import_takes_the_demo_out(capsys, on_demo):
    code, _, err = run(capsys, "import", str(GOOD))
    assert code == 0 and "the demonstration data was taken out" in err
    assert not build.has_demo() and batch_kinds() == ["admin"]
    uptake = metric(capsys, "uptake_per_1000")
    assert uptake["numerator"].tolist() == [DIGITAL]
    # only the three districts with data are in the denominator
    assert uptake["denominator"].tolist() == [population(DISTRICTS)]
    assert uptake["value"].iloc[0] == pytest.approx(1000 * DIGITAL / population(DISTRICTS))
    assert "Demonstration" not in uptake["source"].iloc[0]
    share = metric(capsys, "digital_share_pct")
    assert share["value"].iloc[0] == pytest.approx(100 * DIGITAL / ALL_TRANSACTIONS)
    female = metric(capsys, "female_share_pct")
    assert female["value"].iloc[0] == pytest.approx(100 * FEMALE_DIGITAL / DIGITAL)
    by_district = metric(capsys, "uptake_per_1000", "district")
    assert by_district["district_code"].tolist() == list(DISTRICTS)
    assert by_district["numerator"].tolist() == [0, 40, 120]


def test_withdrawing_the_last_real_batch_keeps_the_demo_out(capsys, on_demo):
    run(capsys, "import", str(GOOD))
    (record,) = batches.accepted()
    assert run(capsys, "withdraw", record["batch_id"])[0] == 0
    assert not build.has_demo()
    assert metric(capsys, "uptake_per_1000")["numerator"].isna().all()
    # a plain build (as `make run` does when the database is stale) keeps the choice
    config.db_path().unlink()
    assert run(capsys, "build", "--if-stale")[0] == 0
    assert not build.has_demo() and batch_kinds() == []


def test_build_demo_brings_it_back_only_without_real_usage(capsys, on_demo):
    run(capsys, "import", str(GOOD))
    (record,) = batches.accepted()
    code, _, err = run(capsys, "build", "--demo")
    assert code == 1 and "withdraw those batches first" in err.lower()
    assert record["batch_id"] in err and not build.has_demo()
    run(capsys, "withdraw", record["batch_id"])
    code, _, err = run(capsys, "build", "--demo")
    assert code == 0 and "demonstration usage is included" in err
    assert build.has_demo() and batch_kinds() == ["demo"]
    # the next real file takes it out again
    again = GOOD.parent / "usage_good.csv"
    code, _, err = run(capsys, "import", str(again))
    assert code == 0 and "taken out" in err and not build.has_demo()


def test_no_demo_is_kept_for_later_builds_and_imports(capsys, tmp_path):
    assert run(capsys, "build", "--no-demo")[0] == 0
    assert json.loads(batches.demo_setting_path().read_text())["demo"] == "off"
    indicators = tmp_path / "targets.csv"
    indicators.write_text("service,district,metric,year,target\nall,KP,uptake_per_1000,2026,5\n")
    assert run(capsys, "import", str(indicators))[0] == 0
    assert not build.has_demo()
    assert run(capsys, "build")[0] == 0 and not build.has_demo()


def test_an_indicators_import_keeps_the_demo(capsys, on_demo, tmp_path):
    """Only real usage replaces the simulated usage; a targets or indicators file does not."""
    targets = tmp_path / "targets.csv"
    targets.write_text("service,district,metric,year,target\nall,KP,uptake_per_1000,2026,5\n")
    code, _, err = run(capsys, "import", str(targets))
    assert code == 0 and "taken out" not in err
    assert build.has_demo() and build.is_current()


def test_library_build_refuses_the_demo_beside_real_usage(capsys, on_demo):
    run(capsys, "import", str(GOOD))
    with pytest.raises(batches.DemoRefused, match="never added to real figures"):
        build.build(with_demo=True)
    assert not build.has_demo()
