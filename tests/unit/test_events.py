"""Transaction logs (`events`): read in place, checked with precise problems, pseudonymised as
they are read, stored as monthly partitions and rolled up at the usage grain. Expected figures
are counted by hand from the rows written here."""

from __future__ import annotations

import gzip
import hashlib
import hmac
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kp_dash.store import batches, build, config, db, event_logs, event_store, intake, pseudonyms

HEADER = "timestamp,district,service,channel,status,sex,age,area,user_ref,event_id"
# Peshawar PK528, Swat PK532; Karachi is UTC+5
JANUARY = [
    "2025-01-06T10:15:00,Peshawar,health_card,online,completed,female,34,urban,0300-1111111,E1",
    "2025-01-07,Peshawar,health_card,online,completed,female,35,urban,0300-1111111,E2",
    "2025-01-08T09:00:00,PK528,health_card,online,failed,female,34,urban,0300-2222222,E3",
    "2025-01-09T09:00:00,Peshawar,health_card,mobile_app,abandoned,male,61,rural,,E4",
    # 19:30 UTC on 31 January is 00:30 on 1 February in Karachi
    "2025-01-31T19:30:00Z,Swat,telemedicine,online,completed,male,20,rural,0300-3333333,",
    "2025-01-10T11:00:00+05:00,Swat,telemedicine,kiosk,,male,20,rural,0300-3333333,",
]
RAW_REFERENCES = ("0300-1111111", "0300-2222222", "0300-3333333")


@pytest.fixture
def database(isolated_state) -> Path:
    build.build(with_demo=False)
    return config.db_path()


def _csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _rollup() -> pd.DataFrame:
    with db.connect_readonly(config.db_path()) as con:
        return db.query_df(
            con,
            "select strftime(month_start, '%Y-%m') as month, district_code, service_code, "
            "channel, sex, area, age_band, transactions, failed, abandoned, users "
            "from events_rollup order by all",
        )


def _usage_total() -> int:
    with db.connect_readonly(config.db_path()) as con:
        frame = db.query_df(con, "select coalesce(sum(transactions), 0) as n from usage")
    return int(frame["n"].iloc[0])


def _lines(result) -> list[str]:
    return result.validation.problem_lines()


def test_a_log_is_accepted_and_rolled_up_by_month_at_the_usage_grain(database, tmp_path):
    result = intake.import_file(_csv(tmp_path / "log.csv", JANUARY), who="Amina")
    assert (result.status, result.kind, result.rows) == ("accepted", "events", 6)
    (record,) = batches.accepted()
    assert (record["first_month"], record["last_month"]) == ("2025-01", "2025-02")
    months = sorted(p.name for p in event_store.folder(result.batch_id).iterdir())
    assert months == ["month=2025-01", "month=2025-02"]
    rows = _rollup().to_dict("records")
    # month, district, service, channel, sex, area, band, completed, failed, abandoned, users
    expected = [
        ("2025-01", "PK528", "health_card", "mobile_app", "male", "rural", "60+", 0, 0, 1, None),
        ("2025-01", "PK528", "health_card", "online", "female", "urban", "25-59", 2, 1, 0, 1),
        ("2025-01", "PK532", "telemedicine", "kiosk", "male", "rural", "15-24", 1, 0, 0, 1),
        ("2025-02", "PK532", "telemedicine", "online", "male", "rural", "15-24", 1, 0, 0, 1),
    ]
    got = [tuple(None if pd.isna(v) else v for v in r.values()) for r in rows]
    assert got == expected
    assert _usage_total() == 4  # completed events alone are transactions
    assert not any(batches.imports_dir().joinpath("staging").iterdir())


def test_no_file_the_import_writes_holds_a_raw_reference(database, tmp_path):
    folder = tmp_path / "logs"
    _csv(folder / "a.csv", JANUARY[:3])
    with gzip.open(folder / "b.csv.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join([HEADER, *JANUARY[3:]]) + "\n")
    intake.import_file(folder, kind="events")
    intake.import_file(folder, kind="events", dry_run=True)  # a check writes nothing either
    written = [p for p in config.state_dir().rglob("*") if p.is_file()]
    written += [p for p in config.db_path().parent.glob("*.duckdb*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in written)
    for path in written:
        data = path.read_bytes()
        for raw in RAW_REFERENCES:
            assert raw.encode() not in data, f"{raw} is stored raw in {path.name}"
    assert not (batches.imports_dir() / "archive").exists()


def test_the_pseudonym_is_hmac_sha256_of_the_reference_under_the_secret(
    database, tmp_path, monkeypatch
):
    for secret in ("a secret", "k" * 100):  # a key longer than SHA-256's block is hashed first
        monkeypatch.setenv("KP_DASH_SECRET", secret)
        con = duckdb.connect()
        pseudonyms.register(con)
        got = con.execute(f"select {pseudonyms.sql('$ref')}", {"ref": "0300-1111111"}).fetchall()
        by_hand = hmac.new(secret.encode(), b"0300-1111111", hashlib.sha256).hexdigest()[:32]
        assert got[0][0] == by_hand == pseudonyms.pseudonym("0300-1111111")


def test_without_a_secret_one_is_made_once_readable_by_its_owner_alone(isolated_state):
    first = pseudonyms.secret()
    assert len(first) == 64 and pseudonyms.secret() == first
    assert pseudonyms.secret_path().stat().st_mode & 0o777 == 0o600


def test_stored_pseudonyms_count_a_person_once_across_batches_of_one_month(database, tmp_path):
    intake.import_file(_csv(tmp_path / "a.csv", JANUARY[:1]))
    # the same person again in January, in a later log
    again = (
        "2025-01-20T08:00:00,Peshawar,health_card,online,completed,female,34,urban,0300-1111111,E9"
    )
    intake.import_file(_csv(tmp_path / "b.csv", [again]))
    (row,) = _rollup().to_dict("records")
    assert (row["transactions"], row["users"]) == (2, 1)
    with db.connect_readonly(config.db_path()) as con:
        refs = db.query_df(con, "select distinct user_ref from events")["user_ref"].tolist()
    assert refs == [pseudonyms.pseudonym("0300-1111111")]


def test_withdrawing_a_log_rolls_its_months_up_again(database, tmp_path):
    first = intake.import_file(_csv(tmp_path / "a.csv", JANUARY[:2]))
    later = "2025-03-02T08:00:00,Swat,telemedicine,online,completed,male,20,rural,x,E7"
    intake.import_file(_csv(tmp_path / "b.csv", [later]))
    assert _usage_total() == 3
    intake.withdraw(first.batch_id)
    assert _rollup()["month"].tolist() == ["2025-03"] and _usage_total() == 1


def test_every_bad_cell_is_named_by_file_row_column_and_value(database, tmp_path):
    rows = [
        "31/01/2025,Peshawar,health_card,online,done,female,34.5,urban,a,X1",
        "2031-01-01,Pesahwar,health_cards,web,completed,male,130,urban,b,X2",
        "1970-01-01T00:00:00,Swat,health_card,online,,male,,urban,,X3",
        ",Swat,health_card,online,,male,abc,urban,,X4",
        "2025-01-05,Swat,health_card,online,,male,,urban,,X3",
    ]
    result = intake.import_file(_csv(tmp_path / "bad.csv", rows), kind="events")
    assert result.status == "rejected"
    assert _lines(result) == [
        "bad.csv: row 2, age: '34.5' is not a whole number of years",
        "bad.csv: row 2, status: 'done' is not a known status (use one of: abandoned, "
        "completed, failed)",
        "bad.csv: row 2, timestamp: '31/01/2025' is not an ISO 8601 date-time; write it as "
        "2025-01-31T14:05:00 (Pakistan time), with its offset when it is not "
        "(2025-01-31T09:05:00Z, …+05:00), or as a date",
        "bad.csv: row 3, age: '130' is not an age of 0–120 years",
        "bad.csv: row 3, channel: 'web' is not a known channel (use one of: counter, "
        "facilitation_centre, helpline, kiosk, mobile_app, online)",
        "bad.csv: row 3, district: 'Pesahwar' is not a KP district — did you mean 'Peshawar' "
        "(PK528)?",
        "bad.csv: row 3, service: 'health_cards' is not a known service code — did you mean "
        "'health_card'?",
        f"bad.csv: row 3, timestamp: '2031-01-01' is in the future (the latest allowed day is "
        f"{pd.Timestamp.today():%Y-%m-%d})",
        "bad.csv: row 4, timestamp: '1970-01-01T00:00:00' is before 2000: check the clock of the "
        "logging system",
        "bad.csv: row 5, age: 'abc' is not a number",
        "bad.csv: row 5, timestamp: is blank; give the event's date-time",
        "bad.csv: row 6: repeats the key (event id) of row 4; combine the two rows or correct one",
    ]
    assert not batches.read_records() and not any(
        batches.imports_dir().joinpath("staging").iterdir()
    )


def test_a_folder_is_one_batch_and_an_id_it_repeats_names_both_files(database, tmp_path):
    folder = tmp_path / "logs"
    _csv(folder / "a.csv", JANUARY[:2])
    _csv(folder / "sub" / "b.csv", [JANUARY[2].replace(",E3", ",E1")])
    (folder / ".hidden.csv").write_text("not read", encoding="utf-8")
    result = intake.import_file(folder)
    assert result.status == "rejected"
    assert _lines(result) == [
        "logs/sub/b.csv: row 2, event_id: repeats the event id of row 2 of logs/a.csv; each "
        "event is sent once: remove one of them"
    ]
    _csv(folder / "sub" / "b.csv", [JANUARY[2]])
    assert intake.import_file(folder).rows == 3
    again = intake.import_file(folder)
    assert again.status == "already_imported" and len(batches.accepted()) == 1


def test_a_file_of_another_kind_in_the_folder_refuses_the_log(database, tmp_path):
    folder = tmp_path / "logs"
    _csv(folder / "a.csv", JANUARY[:2])
    (folder / "notes.xlsx").write_bytes(b"PK\x03\x04")
    result = intake.import_file(folder)
    assert _lines(result) == [
        "logs/notes.xlsx: not a log's file: a log is Parquet (.parquet), CSV (.csv) or gzipped "
        "CSV (.csv.gz) files"
    ]
    (tmp_path / "empty").mkdir()
    assert _lines(intake.import_file(tmp_path / "empty")) == [
        "empty: the folder holds no files; a log is Parquet (.parquet), CSV (.csv) or gzipped "
        "CSV (.csv.gz) files"
    ]
    assert _lines(intake.import_file(tmp_path / "gone.csv", kind="events")) == [
        "gone.csv: there is no such file or folder"
    ]
    assert _lines(intake.import_file(folder, kind="usage")) == [
        "logs: a folder is imported as a transaction log (events); give usage as a file"
    ]


def test_an_event_sent_again_in_a_later_log_names_the_batch_to_withdraw(database, tmp_path):
    first = intake.import_file(_csv(tmp_path / "a.csv", JANUARY[:2]))
    later = _csv(tmp_path / "b.csv", [JANUARY[1], JANUARY[2]])
    result = intake.import_file(later)
    assert result.status == "rejected"
    assert _lines(result) == [
        f"b.csv: row 2: repeats a row of batch {first.batch_id} (a.csv); if this file replaces "
        f"it, withdraw batch {first.batch_id} first"
    ]


def test_a_district_officer_may_send_only_their_districts(database, tmp_path):
    result = intake.import_file(_csv(tmp_path / "log.csv", JANUARY), districts=("PK528",))
    assert _lines(result) == [
        "log.csv: row 6, district: PK532 is not one of your districts (PK528); leave its rows out",
        "log.csv: row 7, district: PK532 is not one of your districts (PK528); leave its rows out",
    ]
    assert not batches.read_records()


def test_a_log_of_many_bad_rows_lists_the_first_and_counts_them_all(
    database, tmp_path, monkeypatch
):
    monkeypatch.setattr(event_logs, "PROBLEMS_LISTED", 2)
    rows = [f"2025-13-0{d},Swat,health_card,online,,,,,,B{d}" for d in range(1, 6)]
    result = intake.import_file(_csv(tmp_path / "log.csv", rows), kind="events")
    bad = (
        "is not an ISO 8601 date-time; write it as 2025-01-31T14:05:00 (Pakistan time), with "
        "its offset when it is not (2025-01-31T09:05:00Z, …+05:00), or as a date"
    )
    assert _lines(result) == [
        "log.csv: timestamp: 5 rows break this rule in all; the first 2 are listed: correct the "
        "system's export, then send the file again",
        f"log.csv: row 2, timestamp: '2025-13-01' {bad}",
        f"log.csv: row 3, timestamp: '2025-13-02' {bad}",
    ]


def test_typed_parquet_times_are_read_in_karachi_unless_they_carry_a_zone(database, tmp_path):
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-01-31 23:30", "2025-02-01 01:00"]),
            "district": ["PK528", "PK528"],
            "service": ["health_card", "health_card"],
            "channel": ["online", "online"],
            "user_id": [3001111111, 3001111111],  # a phone number stored as a number
        }
    )
    naive = tmp_path / "naive.parquet"
    frame.to_parquet(naive, index=False)
    zoned = tmp_path / "zoned.parquet"
    frame.assign(time=frame["time"].dt.tz_localize("UTC")).to_parquet(zoned, index=False)
    assert intake.import_file(naive).status == "accepted"
    rows = _rollup()
    assert rows["month"].tolist() == ["2025-01", "2025-02"]  # local times, as written
    assert rows["users"].tolist() == [1, 1]
    with db.connect_readonly(config.db_path()) as con:
        refs = db.query_df(con, "select distinct user_ref from events")["user_ref"].tolist()
    assert refs == [pseudonyms.pseudonym("3001111111")]
    # the same instants in UTC are 04:30 and 06:00 on 1 February in Karachi
    assert intake.import_file(zoned).status == "accepted"
    assert _rollup().groupby("month")["transactions"].sum().to_dict() == {
        "2025-01": 1,
        "2025-02": 3,
    }


def test_a_log_header_is_told_from_a_usage_file_short_of_columns(database, tmp_path):
    log = _csv(tmp_path / "log.csv", JANUARY[:1])
    assert event_logs.is_log(log, "log.csv")
    short = _csv(
        tmp_path / "usage.csv",
        ["2025-01,PK528,health_card,online"],
        "month,district,service,channel",
    )
    assert not event_logs.is_log(short, "usage.csv")
    assert intake.import_file(short).kind == "usage"


def test_a_dry_run_writes_nothing_and_says_the_demonstration_data_would_go(tmp_path):
    build.build(with_demo=True)
    result = intake.import_file(_csv(tmp_path / "log.csv", JANUARY), dry_run=True)
    assert result.status == "valid" and result.demo_removed and result.rows == 6
    assert not batches.read_records()
    assert not any(batches.imports_dir().joinpath("staging").iterdir())
    accepted = intake.import_file(_csv(tmp_path / "log.csv", JANUARY))
    assert accepted.demo_removed and _usage_total() == 4


def _generated_log(count: int) -> pd.DataFrame:
    """A deterministic log over three months, six districts and every channel kind."""
    districts = ["PK501", "PK502", "PK513", "PK528", "PK532", "PK509"]
    services = ["health_card", "telemedicine", "fee_payment", "college_admissions"]
    channels = ["online", "mobile_app", "kiosk", "counter"]
    statuses = ["completed", "completed", "failed", "completed", "abandoned"]
    return pd.DataFrame(
        {
            "timestamp": [
                f"2025-{1 + i % 3:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00" for i in range(count)
            ],
            "district": [districts[i * 7 % 6] for i in range(count)],
            "service": [services[i * 5 % 4] for i in range(count)],
            "channel": [channels[i // 3 % 4] for i in range(count)],
            "status": [statuses[i % 5] for i in range(count)],
            "sex": ["female" if i % 3 else "male" for i in range(count)],
            "area": ["urban" if i % 4 else "rural" for i in range(count)],
            "age": [i * 13 % 80 for i in range(count)],
            "user_ref": [f"u{i * 17 % 41}" if i % 9 else "" for i in range(count)],
            "event_id": [f"ev{i}" for i in range(count)],
        }
    )


def _band(age: int) -> str:
    return next(
        (
            b
            for upper, b in ((4, "0-4"), (14, "5-14"), (24, "15-24"), (59, "25-59"))
            if age <= upper
        ),
        "60+",
    )


def _as_usage(log: pd.DataFrame) -> pd.DataFrame:
    """The log summed by hand at the usage grain: completed events, and distinct people among
    them, per month."""
    rows = log.assign(
        month=log["timestamp"].str[:7],
        age_band=log["age"].map(_band),
        done=log["status"].eq("completed"),
        person=log["user_ref"].where(log["status"].eq("completed") & log["user_ref"].ne("")),
    )
    keys = ["month", "district", "service", "channel", "sex", "area", "age_band"]
    summed = rows.groupby(keys).agg(transactions=("done", "sum"), users=("person", "nunique"))
    counted = rows.groupby(keys)["person"].count()
    summed["users"] = summed["users"].where(counted > 0).astype("Int64")
    return summed.reset_index()


def test_every_metric_is_the_same_from_the_rollup_and_from_the_log_summed_by_hand(
    tmp_path, monkeypatch
):
    from kp_dash.numbers import metrics, registry

    log = _generated_log(600)
    log.to_csv(tmp_path / "log.csv", index=False)
    _as_usage(log).to_csv(tmp_path / "usage.csv", index=False)
    answers = {}
    for name, file in (("log", "log.csv"), ("usage", "usage.csv")):
        monkeypatch.setenv("KP_DASH_STATE", str(tmp_path / name))
        monkeypatch.setenv("KP_DASH_DB", str(tmp_path / f"{name}.duckdb"))
        build.build(with_demo=False)
        assert intake.import_file(tmp_path / file).status == "accepted"
        found = {}
        with db.connect_readonly(config.db_path()) as con:
            for code in db.metric_codes():
                for by in ((), ("district",), ("month", "sex"), ("channel", "area")):
                    query = registry.Query(code, by)
                    try:
                        frame = metrics.fetch(con, query)
                    except ValueError:  # a breakdown the metric does not have
                        continue
                    kept = [c for c in frame.columns if c not in ("source", "year")]
                    found[(code, by)] = frame[kept].reset_index(drop=True)
        answers[name] = found
    assert answers["log"].keys() == answers["usage"].keys()
    filled = [key for key, frame in answers["log"].items() if not frame.empty]
    assert len(filled) >= 35
    # by hand: completed online and mobile-app events ÷ the province's people, per 1,000
    digital = log["status"].eq("completed") & log["channel"].isin(["online", "mobile_app"])
    province = answers["log"][("uptake_per_1000", ())]
    assert province["numerator"].iloc[0] == digital.sum() == 180  # 600 × 3/5 × 1/2
    from_logs_alone = ("reach_pct", "completion_rate_pct")  # people over the period; attempts
    for key, frame in answers["log"].items():
        if key[0] not in from_logs_alone:
            expected = answers["usage"][key]
            pd.testing.assert_frame_equal(frame, expected, check_dtype=False, obj=str(key))
    # monthly returns carry no attempts: no data, never 0
    assert answers["usage"][("completion_rate_pct", ())]["value"].isna().all()
    assert answers["usage"][("completion_rate_pct", ("district",))].empty
    _check_people_and_attempts(log, answers["log"])


def _check_people_and_attempts(log: pd.DataFrame, found: dict) -> None:
    """Reach and completion from the log, counted by hand: each person once over the period."""
    done = log[log["status"].eq("completed") & log["user_ref"].ne("")]
    province = found[("reach_pct", ())]
    assert province["numerator"].iloc[0] == done["user_ref"].nunique() == 41
    by_district = found[("reach_pct", ("district",))].set_index("district_code")["numerator"]
    assert by_district.to_dict() == done.groupby("district")["user_ref"].nunique().to_dict()
    # one person in several months, districts or channels is counted once in each group asked
    assert by_district.sum() > province["numerator"].iloc[0]
    month = done.assign(month=done["timestamp"].str[:7])
    by_month_sex = found[("reach_pct", ("month", "sex"))].set_index(["month", "sex"])
    assert by_month_sex["numerator"].to_dict() == (
        month.groupby(["month", "sex"])["user_ref"].nunique().to_dict()
    )
    digital = log[log["channel"].isin(["online", "mobile_app"])]
    completed = digital["status"].eq("completed")
    rate = found[("completion_rate_pct", ())]
    assert (rate["numerator"].iloc[0], rate["denominator"].iloc[0]) == (completed.sum(), 300)
    assert rate["value"].iloc[0] == pytest.approx(100 * 180 / 300)


def test_progress_names_each_file_its_stage_and_events_per_second(database, tmp_path):
    folder = tmp_path / "logs"
    _csv(folder / "a.csv", JANUARY[:3])
    _csv(folder / "b.csv", JANUARY[3:])
    said = []
    intake.import_file(folder, progress=lambda fraction, text: said.append((fraction, text)))
    texts = [text for _, text in said]
    assert any(t.startswith("logs/a.csv (1 of 2): checking timestamps") for t in texts)
    written = [t for t in texts if t.endswith("checked and written")]
    assert [t.split(":")[0] for t in written] == ["logs/a.csv (1 of 2)", "logs/b.csv (2 of 2)"]
    assert all(" events/s" in t for t in written) and "3 events in" in written[0]
    fractions = [fraction for fraction, _ in said]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_only_a_log_the_server_lists_is_read(isolated_state):
    from kp_dash.views import data_page

    assert data_page.server_logs() == []
    (data_page.incoming_dir() / "logs").mkdir(parents=True)
    (data_page.incoming_dir() / ".partial").mkdir()
    assert data_page.server_logs() == ["logs"]
    request = data_page.log_request("logs", "Amina")
    assert (request.path, request.kind) == (data_page.incoming_dir() / "logs", "events")
    for typed in ("../secret.key", "/etc", ".partial"):
        with pytest.raises(ValueError, match="is not a log in"):
            data_page.log_request(typed, "Amina")


def test_a_log_in_a_workbook_is_refused_never_read_as_a_frame(database, tmp_path):
    rows = [line.split(",") for line in JANUARY[:2]]
    book = tmp_path / "log.xlsx"
    pd.DataFrame(rows, columns=HEADER.split(",")).to_excel(book, index=False)
    result = intake.import_file(book)
    assert (result.status, result.kind) == ("rejected", "events")
    assert _lines(result) == [
        "log.xlsx: row 1: this is a transaction log (events): send it as Parquet, CSV or gzipped "
        "CSV files whose first row is the header, which are read in place and have their user "
        "references pseudonymised as they are read"
    ]
    assert not (batches.imports_dir() / "archive").exists() or not any(
        (batches.imports_dir() / "archive").iterdir()
    )
