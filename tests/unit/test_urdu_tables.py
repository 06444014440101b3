"""The Administration and Sources pages' tables and messages in Urdu: refusals keep their values,
a user's line names their role in Urdu, and the metric, service and boundary tables are headed and
worded in Urdu while their English stays as it was."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from kp_dash.store import accounts, geo
from kp_dash.views import admin_page, catalogue, data_page, group_tables, language, templates

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


# --- the Excluded groups page -------------------------------------------------------------------

GROUP_ROWS = pd.DataFrame(
    {
        "group_key": ["women", "low_female_literacy"],
        "group": [
            "Women",
            "Districts with low female literacy (≤ 20.6 %, bottom third of districts)",
        ],
        "comparison": ["Men", "The other districts"],
        "group_uptake_per_1000": [12.345, None],
        "comparison_uptake_per_1000": [24.0, 30.0],
        "ratio": [0.51, None],
        "representation_ratio": [0.7, None],
        "female_share_pct": [31.25, None],
        "assisted_share_pct": [5.0, None],
        "people_below_access_median": [1234567.0, None],
        "parity_band": ["below parity", "no data"],
        "status": ["", "no eligible population in this group for this service"],
        "estimate_note": [
            "estimate: the access index is partly survey-based (PSLM); includes parent-district "
            "survey values for Lower Kohistan, Upper Kohistan",
            "",
        ],
        "source_kind": ["demo; census; survey (access index)", "census"],
        "source": ["s", "s"],
        "year": ["2026", "2026"],
    }
)


def test_the_group_table_in_urdu():
    shown = group_tables.group_display(GROUP_ROWS, "ur")
    women, literacy = shown.iloc[0], shown.iloc[1]
    assert (women["گروہ"], women["موازنہ بمقابلہ"]) == ("خواتین", "مرد")
    assert literacy["گروہ"] == "خواتین کی کم خواندگی والے اضلاع (≤ 20.6 %، اضلاع کا نچلا تہائی حصہ)"
    assert women["گروہ کا استعمال (فی 1,000 اہل)"] == "12.35"
    assert literacy["گروہ کا استعمال (فی 1,000 اہل)"] == "ڈیٹا نہیں"
    assert women["برابری کی حد (0.98–1.02)"] == "برابری سے کم"
    assert women["کیفیت"] == "ٹھیک"
    assert literacy["کیفیت"] == "اس خدمت کے لیے اس گروہ میں کوئی اہل آبادی نہیں"
    assert women["نوٹ"] == (
        "تخمینہ: رسائی کا اشاریہ جزوی طور پر سروے (PSLM) پر مبنی ہے؛ اس میں لوئر کوہستان، اپر "
        "کوہستان کے لیے سابقہ بڑے ضلع کی سروے قدریں شامل ہیں"
    )
    assert women["ماخذ کی قسم"] == "نمائشی؛ مردم شماری؛ سروے (رسائی کا اشاریہ)"


def test_the_group_table_in_english_is_as_it_was():
    shown = group_tables.group_display(GROUP_ROWS)
    assert shown.columns[:3].tolist() == [
        "Group", "Compared with", "Uptake of the group (per 1,000 eligible)"
    ]  # fmt: skip
    assert shown.iloc[0]["Status"] == "ok" and shown.iloc[0]["Group"] == "Women"
    assert shown.iloc[0]["People in districts below the access median"] == "1,234,567"
    assert shown.iloc[1]["Note"] == ""


def test_the_heat_map_in_urdu():
    matrix = pd.DataFrame(
        {"Women ÷ men": [0.5, None]}, index=pd.Index(["Bajaur", "Peshawar"])
    )  # fmt: skip
    fig = group_tables.group_heatmap(matrix, "ur")
    assert list(fig.data[0].x) == ["خواتین ÷ مرد"] and list(fig.data[0].y) == ["باجوڑ", "پشاور"]
    assert fig.data[0].hovertemplate.startswith("ضلع: %{y}<br>گروہ: %{x}<br>تناسب: %{z:.2f}")
    assert fig.data[1].hovertemplate.startswith("ضلع: %{y}<br>گروہ: %{x}<br>تناسب: ڈیٹا نہیں")


def test_the_unserved_table_in_urdu():
    table = pd.DataFrame(
        {"district_code": ["KP", "PK502"], "district_name": ["Khyber Pakhtunkhwa", "Bajaur"],
         "eligible_population": [1000.0, None], "access_index": [50.0, 40.0],
         "unserved_population": [2_500_000.0, 12_340.0], "access_is_parent_estimate": [True, False],
         "source": ["s", "s"], "year": ["2023", "2023"]}
    )  # fmt: skip
    shown = group_tables.unserved_display(table, "ur")
    assert shown["ضلع"].tolist() == ["خیبر پختونخوا", "باجوڑ"]
    assert shown["اہل آبادی"].tolist() == ["1,000", "ڈیٹا نہیں"]
    assert shown["نوٹ"].tolist() == ["سابقہ بڑے ضلع کی سروے قدریں شامل ہیں", ""]
    english = group_tables.unserved_display(table)
    assert english["Note"].tolist() == ["includes parent-district survey values", ""]
    assert english["People the service cannot reach online (estimate)"].tolist()[1] == "≈ 12,300"


# --- the Data page ------------------------------------------------------------------------------


def test_the_data_page_in_urdu_keeps_its_codes():
    assert data_page.kind_label("usage", "ur") == "استعمال (usage)"
    assert data_page.kind_label("usage") == "usage"
    assert data_page.kind_label(data_page.AUTO, "ur") == "سرخی سے پہچانیں"
    problems = pd.DataFrame([[3, "district", "Xyz", "district", "unknown"]],
                            columns=data_page.PROBLEM_COLUMNS)  # fmt: skip
    assert data_page.problems_headed(problems, "ur").columns.tolist() == [
        "قطار", "کالم", "قدر", "قاعدہ", "پیغام"
    ]  # fmt: skip
    assert data_page.problems_headed(problems, "en").columns.tolist() == data_page.PROBLEM_COLUMNS
    assert data_page.upload_note(200, "ur").startswith("200 MB تک کی فائلیں: ")


def test_a_file_kind_is_described_in_urdu_from_its_own_module():
    about = templates.about("targets")
    assert about.startswith("Target files: the level a metric should reach")
    assert language.text(about, "ur").startswith("اہداف کی فائلیں: ")
    extracted = list(
        language.extract_kind_texts(
            io.BytesIO(b'"""A kind.\n  Two lines."""\nx = N_("y")\n'), ["N_"], [], {}
        )
    )
    assert [message for _, _, message, _ in extracted] == ["A kind. Two lines.", "y"]
