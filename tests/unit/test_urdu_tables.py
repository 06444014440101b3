"""The Administration and Sources pages' tables and messages in Urdu: refusals keep their values,
a user's line names their role in Urdu, and the metric, service and boundary tables are headed and
worded in Urdu while their English stays as it was."""

from __future__ import annotations

import pandas as pd
import pytest

from kp_dash.store import accounts, geo
from kp_dash.views import admin_page, catalogue

FULL_STOP = "\u06d4"  # Urdu's


def test_a_refusal_keeps_its_values_in_either_language():
    with pytest.raises(accounts.AccountError) as refused:
        accounts.check_password("short")
    assert str(refused.value) == "a password needs at least 10 characters"
    assert refused.value.values == {"count": 10}


def test_the_administration_page_says_its_refusals_in_urdu():
    differ = admin_page.add("amina", "admin", [], ("one password", "another one"), "root", "ur")
    assert differ == admin_page.Done(False, f"دونوں پاس ورڈ مختلف ہیں{FULL_STOP}")
    short = admin_page.add("amina", "admin", [], ("short", "short"), "root", "ur")
    assert short == admin_page.Done(False, "پاس ورڈ میں کم از کم 10 حروف ہونے چاہئیں")
    assert accounts.users() == []  # nothing was added


def test_a_user_added_in_urdu_is_named_with_their_role_in_urdu():
    done = admin_page.add("bajaur.do", "analyst", ["PK502"], ("a long password",) * 2, "root", "ur")
    assert done == admin_page.Done(True, f"شامل کیا گیا: bajaur.do · تجزیہ کار · PK502{FULL_STOP}")
    province = accounts.User("amina", "admin")
    assert admin_page.account_label(province, "ur") == "amina · منتظمِ اعلیٰ · صوبہ"
    english = "amina · administrator · province"
    assert admin_page.account_label(province) == province.label == english


def test_the_users_table_and_the_trail_are_headed_in_urdu(tmp_path):
    accounts.add_user("bajaur.do", "analyst", "a long password", ["PK502"], by="root")
    table = admin_page.users_table(accounts.users(), "ur")
    assert list(table.columns) == ["صارف", "کردار", "اضلاع", "مقفل تا (UTC)"]
    assert table.iloc[0].tolist() == ["bajaur.do", "تجزیہ کار", "PK502", ""]
    trail = admin_page.trail(pd.Timestamp("2000-01-01").date(), "ur")
    assert list(trail.columns) == ["وقت (UTC)", "کس نے", "واقعہ", "کیا", "پتہ"]
    english = admin_page.trail(pd.Timestamp("2000-01-01").date())
    assert list(english.columns) == admin_page.AUDIT_COLUMNS  # the file keeps the field names
    assert trail.iloc[0, 1] == english.iloc[0, 1] == "root"  # entries are kept as recorded


def test_the_metric_definitions_in_urdu():
    urdu = catalogue.metric_definitions("ur").set_index("کوڈ")
    english = catalogue.metric_definitions().set_index("Code")
    assert urdu.loc["uptake_per_1000", "نام"] == "فی 1,000 اہل افراد ڈیجیٹل استعمال"
    assert english.loc["uptake_per_1000", "Label"] == "Digital uptake per 1,000 eligible people"
    survey = "سروے کا تخمینہ (PSLM 2019-20)، درست گنتی نہیں"
    assert urdu.loc["mobile_hh_pct", "ماخذ کی قسم"] == survey
    assert urdu.loc["access_index", "ایک قطار کیا ہے (SQL منظر)"] == "جزو × ضلع × رسائی کا اشاریہ"
    assert list(urdu.index) == list(english.index)


def test_the_services_table_names_the_services_in_urdu():
    services = pd.DataFrame(
        {"service_code": ["health_complaints"], "service_name": ["Online complaints"],
         "sector": ["health"], "source": ["contract"]}
    )  # fmt: skip
    urdu = catalogue.services(services, "ur")
    assert urdu.columns.tolist() == ["کوڈ", "خدمت", "شعبہ", "ماخذ", "سال"]
    assert urdu.iloc[0, 1] == "صحت کی خدمات کے بارے میں آن لائن شکایات"
    assert catalogue.services(services).iloc[0, 1] == "Online complaints"


def test_the_tile_map_row_in_urdu():
    shown = catalogue.boundary_sources(geo.tile_layer(), "ur")
    assert shown.columns.tolist() == ["نقشے کی تہہ", "فائل", "ماخذ", "حوالہ", "لائسنس", "سال"]
    assert shown.iloc[0, 0] == "خانہ دار نقشہ (حدود کی جگہ بنایا گیا)"
    assert shown.iloc[0, 4] == "اسی منصوبے کا حصہ"
