"""The command line as CONTRACTS.md promises: tables to stdout, messages to stderr, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kp_dash import cli
from kp_dash.store import batches, build, config, db

SMALL_USAGE = Path(__file__).parents[1] / "fixtures" / "usage_small.csv"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_metric_on_a_database_without_usage_prints_no_rows(capsys, empty_db):
    code, out, err = run(
        capsys, "metric", "uptake_per_1000", "--by", "district", "--db", str(empty_db)
    )
    assert code == 0
    assert out.strip() == ("district_code,district_name,value,numerator,denominator,source,year")
    assert "no rows" in err


def test_metric_by_district_with_demo_data(capsys, demo_db):
    code, out, _ = run(
        capsys,
        "metric",
        "uptake_per_1000",
        "--by",
        "district",
        "--service",
        "health_complaints",
        "--from",
        "2025-01",
        "--to",
        "2025-12",
        "--db",
        str(demo_db),
    )
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) == 35 and frame["value"].notna().all()
    assert frame["district_code"].str.match(r"PK5\d\d").all()
    assert (frame["year"] == "2023-2025").all()


def test_metric_json_and_full_precision(capsys, small_db):
    code, out, _ = run(
        capsys,
        "metric",
        "digital_share_pct",
        "--by",
        "month",
        "--format",
        "json",
        "--db",
        str(small_db),
    )
    assert code == 0
    records = json.loads(out)
    assert records[0]["month"] == "2025-01"
    assert records[0]["value"] == pytest.approx(100 * 162 / 224, rel=1e-12)


def test_metric_province_value_csv_has_full_precision(capsys, small_db):
    _, out, _ = run(
        capsys, "metric", "uptake_per_1000", "--service", "health_complaints", "--db", str(small_db)
    )
    value = out.splitlines()[1].split(",")[0]
    assert float(value) == 1000 * 215 / 2600
    assert len(value) > 12


def test_unknown_metric_exits_2(capsys, small_db):
    code, _, err = run(capsys, "metric", "nope", "--db", str(small_db))
    assert code == 2 and "unknown metric 'nope'" in err


def test_bad_month_is_a_usage_error():
    with pytest.raises(SystemExit) as stop:
        cli.main(["metric", "uptake_per_1000", "--from", "2025-13"])
    assert stop.value.code == 2


def test_missing_database_is_explained(capsys, tmp_path):
    target = tmp_path / "none.duckdb"
    code, _, err = run(capsys, "metric", "literacy_pct", "--no-rebuild", "--db", str(target))
    assert code == 1 and f"python -m kp_dash build --db {target}" in err
    assert not target.exists()


def test_metrics_lists_every_code(capsys):
    from kp_dash.numbers import registry

    code, out, _ = run(capsys, "metrics")
    frame = pd.read_csv(io.StringIO(out))
    assert code == 0
    assert list(frame.columns) == ["code", "label", "unit", "formula"]
    assert set(frame["code"]) == set(registry.ALL)


def test_build_if_stale_skips_a_current_database(capsys, tmp_path):
    target = tmp_path / "kp.duckdb"
    assert run(capsys, "build", "--no-demo", "--db", str(target))[0] == 0
    code, _, err = run(capsys, "build", "--no-demo", "--if-stale", "--db", str(target))
    assert code == 0 and "up to date" in err


def test_boundaries_check_on_the_reference_file(capsys):
    path = config.SHARED_DATA_DIR / "boundaries" / "kp_districts_ocha_codab_20220909.geojson"
    if not path.exists():
        pytest.skip(f"reference boundaries absent: {path} (../shared is not beside the checkout)")
    code, out, _ = run(capsys, "boundaries", "check", str(path))
    assert code == 0
    assert "35 of 35" in out


def test_boundaries_check_reports_an_unreadable_file(capsys, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{ not json")
    code, _, err = run(capsys, "boundaries", "check", str(path))
    assert code == 1 and "broken.geojson" in err


def test_installed_entry_point_runs():
    done = subprocess.run(
        [sys.executable, "-m", "kp_dash", "metrics"],
        capture_output=True,
        text=True,
        check=False,
        cwd=config.ROOT,
    )
    assert done.returncode == 0 and done.stdout.startswith("code,label,unit,formula")


def test_brief_writes_a_pdf_for_a_district(capsys, demo_db, tmp_path):
    out = tmp_path / "bajaur.pdf"
    code = cli.main(["brief", "--district", "Bajaur", "--out", str(out), "--db", str(demo_db)])
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    assert "wrote" in capsys.readouterr().err


def test_brief_refuses_an_unknown_district(capsys, demo_db, tmp_path):
    code = cli.main(
        ["brief", "--district", "Bajuar", "--out", str(tmp_path / "x.pdf"), "--db", str(demo_db)]
    )
    assert code == 2
    assert "did you mean 'Bajaur' (PK502)?" in capsys.readouterr().err


def test_plan_prints_the_ranking_with_stability(capsys, demo_db):
    code = cli.main(["plan", "--weights", "coverage_gap=0,access_gap=0", "--db", str(demo_db)])
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert code == 0 and len(table) == 35
    assert list(table.columns) == [
        "rank",
        "district_code",
        "district_name",
        "score",
        "rank_low",
        "rank_high",
        "unserved",
        "merged_female",
    ]
    assert ((table["rank_low"] <= table["rank"]) & (table["rank"] <= table["rank_high"])).all()


def test_plan_refuses_an_unknown_factor():
    with pytest.raises(SystemExit) as stop:
        cli.main(["plan", "--weights", "nope=1"])
    assert stop.value.code == 2


def _usage_total() -> tuple[int, int]:
    with db.connect_readonly(config.db_path()) as con:
        ((rows, total),) = con.execute(
            "select count(*), coalesce(sum(transactions), 0) from usage"
        ).fetchall()
    return rows, total


def test_withdraw_takes_a_batch_out_and_keeps_its_record(capsys):
    # no demonstration data: the totals below are the fixture's alone
    build.build(config.db_path(), with_demo=False)
    code, out, _ = run(capsys, "import", str(SMALL_USAGE), "--who", "tester")
    batch = out.strip()
    assert code == 0 and batch
    assert _usage_total() == (11, 307)  # usage_small.csv: 11 rows, 307 transactions

    code, _, err = run(capsys, "withdraw", batch, "--who", "reviewer")
    assert code == 0
    assert f"withdrew batch {batch}: its rows left the data; its record stays" in err
    assert _usage_total() == (0, 0)
    record = batches.read_manifest().set_index("batch_id").loc[batch]
    assert (record["status"], record["withdrawn_by"]) == ("withdrawn", "reviewer")
    assert record["rows"] == 11 and record["withdrawn_at"]

    code, _, err = run(capsys, "withdraw", batch)
    assert code == 1 and f"no accepted batch '{batch}'" in err
    code, _, err = run(capsys, "withdraw", "no-such-batch")
    assert code == 1
    assert "no accepted batch 'no-such-batch' (see the import log on the Data page)" in err
    assert _usage_total() == (0, 0)
