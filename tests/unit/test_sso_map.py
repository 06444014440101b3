"""From an identity provider's claims to a dashboard user: the mapping file, role, districts and
name, with hand-written claims, hostile ones included."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import pytest

from kp_dash.store import sso_map
from kp_dash.store.sso_map import ClaimMapping, SsoMapError, SsoRefused, user_from_claims

DEFAULT = ClaimMapping()
GROUPS = sso_map.mapping_from_settings(
    {
        "role_claim": "groups",
        "roles": {"pmdu-analysts": "analyst", "KP-Dash-Admins": "admin", "staff": "viewer"},
    }
)
# what markdown or HTML could make something of, or text that reads backwards
MARKUP = re.compile(r"[<>\[\]`|*\\\u202e]|javascript:|alert\(")


def claims(**extra) -> dict:
    return {"sub": "u-1", "preferred_username": "ayesha", "kp_role": "viewer", **extra}


# --- a user from the default mapping ------------------------------------------------------------


def test_role_and_districts_from_the_default_claims():
    user = user_from_claims(claims(kp_role="analyst", kp_districts=["PK502"]), DEFAULT)
    assert (user.name, user.role, user.districts, user.via) == (
        "ayesha",
        "analyst",
        ("PK502",),
        "sso",
    )


def test_districts_come_in_register_order_each_once_whatever_the_case():
    user = user_from_claims(claims(kp_districts=["pk528", " PK502 ", "PK528"]), DEFAULT)
    assert user.districts == ("PK502", "PK528")


@pytest.mark.parametrize("text", ["PK502,PK501", "PK502, PK501", "PK502 PK501", " PK501 ,PK502, "])
def test_districts_as_one_string(text):
    assert user_from_claims(claims(kp_districts=text), DEFAULT).districts == ("PK501", "PK502")


@pytest.mark.parametrize("value", [None, [], "", " , "])
def test_no_districts_is_the_whole_province(value):
    given = claims() if value is None else claims(kp_districts=value)
    assert user_from_claims(given, DEFAULT).districts == ()


def test_no_districts_can_be_refused_instead():
    mapping = sso_map.mapping_from_settings({"missing_districts": "refuse"})
    with pytest.raises(SsoRefused, match="kp_districts"):
        user_from_claims(claims(), mapping)
    assert user_from_claims(claims(kp_districts="PK501"), mapping).districts == ("PK501",)


@pytest.mark.parametrize(
    "codes", [["PK536"], ["PK502", "PK999"], ["Bajaur"], "PK502;PK501", ["PK5"]]
)
def test_a_code_that_is_not_a_kp_district_is_refused_not_dropped(codes):
    with pytest.raises(SsoRefused, match="not a KP district P-code"):
        user_from_claims(claims(kp_districts=codes), DEFAULT)


@pytest.mark.parametrize("codes", [[502], ["PK502", None], [["PK502"]], {"PK502": True}, 502])
def test_districts_that_are_not_text_are_refused(codes):
    with pytest.raises(SsoRefused, match="kp_districts"):
        user_from_claims(claims(kp_districts=codes), DEFAULT)


def test_all_35_districts_are_known_and_only_they():
    codes = sso_map.known_district_codes()
    assert len(codes) == 35 and codes[0] == "PK501" and codes[-1] == "PK535"
    assert user_from_claims(claims(kp_districts=list(codes)), DEFAULT).districts == codes


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst", "data_manager", "admin"])
def test_each_role_name_is_a_role(role):
    assert user_from_claims(claims(kp_role=role), DEFAULT).role == role


@pytest.mark.parametrize("value", [" Analyst ", "ANALYST", ["analyst"]])
def test_role_names_ignore_case_and_spaces(value):
    assert user_from_claims(claims(kp_role=value), DEFAULT).role == "analyst"


@pytest.mark.parametrize("value", ["superuser", "", "data manager", ["owner", "root"], 3, True])
def test_a_value_that_is_not_a_role_is_refused(value):
    with pytest.raises(SsoRefused, match="No dashboard role"):
        user_from_claims(claims(kp_role=value), DEFAULT)


def test_no_role_claim_is_refused_naming_the_claim():
    given = claims()
    del given["kp_role"]
    with pytest.raises(SsoRefused, match="sent no 'kp_role' claim"):
        user_from_claims(given, DEFAULT)


def test_groups_map_to_roles_and_the_highest_wins():
    given = claims(groups=["staff", "everyone", "pmdu-analysts"])
    assert user_from_claims(given, GROUPS).role == "analyst"
    given = claims(groups=["staff", "kp-dash-admins", "pmdu-analysts"])
    assert user_from_claims(given, GROUPS).role == "admin"


def test_with_a_roles_table_only_listed_values_count():
    # a provider group that happens to be called "admin" grants nothing
    with pytest.raises(SsoRefused, match="'admin'"):
        user_from_claims(claims(groups=["admin", "everyone"]), GROUPS)


def test_a_single_group_as_text():
    assert user_from_claims(claims(groups="staff"), GROUPS).role == "viewer"


def test_a_namespaced_claim_name_is_used_as_it_stands():
    mapping = sso_map.mapping_from_settings({"role_claim": "https://kp.gov.pk/role"})
    assert user_from_claims(claims(**{"https://kp.gov.pk/role": "admin"}), mapping).role == "admin"


def test_a_dotted_claim_name_reaches_into_nested_claims():
    mapping = sso_map.mapping_from_settings(
        {"role_claim": "realm_access.roles", "districts_claim": "kp.districts"}
    )
    given = claims(realm_access={"roles": ["offline", "data_manager"]}, kp={"districts": "PK509"})
    user = user_from_claims(given, mapping)
    assert (user.role, user.districts) == ("data_manager", ("PK509",))
    with pytest.raises(SsoRefused):
        user_from_claims(claims(realm_access=["data_manager"]), mapping)


# --- names --------------------------------------------------------------------------------------


def test_name_is_preferred_username_then_email_then_sub():
    assert sso_map.user_name({"preferred_username": "ali", "email": "a@x.pk", "sub": "s"}) == "ali"
    assert sso_map.user_name({"email": "ali.khan+kp@pmdu.gov.pk", "sub": "s"}) == (
        "ali.khan+kp@pmdu.gov.pk"
    )
    assert sso_map.user_name({"sub": "248289761001"}) == "248289761001"


@pytest.mark.parametrize("hostile", ["<b>ali</b>", "ali\nadmin", "x" * 129, "", "  ", 7, None])
def test_a_name_that_is_not_a_plain_name_is_passed_over(hostile):
    assert sso_map.user_name({"preferred_username": hostile, "email": "a@x.pk"}) == "a@x.pk"


def test_no_usable_name_is_refused():
    with pytest.raises(SsoRefused, match="no usable user name"):
        user_from_claims({"kp_role": "viewer", "sub": "[x](javascript:alert(1))"}, DEFAULT)


@pytest.mark.parametrize("not_claims", [None, "sub", ["sub"], 1])
def test_claims_that_are_not_a_mapping_are_refused(not_claims):
    with pytest.raises(SsoRefused):
        user_from_claims(not_claims, DEFAULT)


# --- hostile values come out as plain, short messages ------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("kp_role", "<script>alert(1)</script>" * 10_000),
        ("kp_role", "**[admin](javascript:alert(1))**"),
        ("kp_role", [f"<img src=x onerror=alert({i})>" for i in range(10_000)]),
        ("kp_districts", "PK502,<iframe src=//evil>," + "X" * 100_000),
        ("kp_districts", ["PK502", "`rm -rf`", "|table|", "\u202eKP205"]),
    ],
)
def test_hostile_claims_are_refused_in_plain_text(field, value):
    with pytest.raises(SsoRefused) as refused:
        user_from_claims(claims(**{field: value}), DEFAULT)
    message = str(refused.value)
    assert len(message) < 400
    assert not MARKUP.search(message)


# --- the mapping file ---------------------------------------------------------------------------


def test_the_mapping_file_is_read_from_the_state_folder(isolated_state):
    (isolated_state / "sso.toml").write_text(
        'role_claim = "groups"\ndistricts_claim = "areas"\n[roles]\n"pmdu" = "analyst"\n'
    )
    mapping = sso_map.load_mapping()
    assert (mapping.role_claim, mapping.districts_claim) == ("groups", "areas")
    user = user_from_claims(claims(groups=["pmdu"], areas=["PK502"]), mapping)
    assert (user.role, user.districts) == ("analyst", ("PK502",))


def test_the_environment_names_another_mapping_file(isolated_state, tmp_path, monkeypatch):
    (isolated_state / "sso.toml").write_text('role_claim = "from_state"\n')
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('role_claim = "from_env"\n')
    monkeypatch.setenv("KP_DASH_SSO_MAP", str(elsewhere))
    assert sso_map.mapping_path() == elsewhere
    assert sso_map.load_mapping().role_claim == "from_env"


def test_without_a_mapping_file_the_defaults_apply(isolated_state):
    assert sso_map.load_mapping() == ClaimMapping("kp_role", "kp_districts", "province", None)


def test_a_named_mapping_file_that_is_missing_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KP_DASH_SSO_MAP", str(tmp_path / "absent.toml"))
    with pytest.raises(SsoMapError, match="does not exist"):
        sso_map.load_mapping()


@pytest.mark.parametrize(
    "text, problem",
    [
        ('role_claim = "kp_role\n', "not valid TOML"),
        ('role_clam = "kp_role"\n', "unknown setting.*role_clam"),
        ("role_claim = 3\n", "role_claim must be"),
        ('districts_claim = " "\n', "districts_claim must be"),
        ('missing_districts = "none"\n', "missing_districts"),
        ('roles = "admin"\n', r"\[roles\] must be a table"),
        ('[roles]\n"pmdu" = "superuser"\n', "the role must be one of"),
        ('[roles]\n"PMDU" = "viewer"\n"pmdu" = "admin"\n', "two different roles"),
    ],
)
def test_a_mapping_file_that_cannot_be_used_says_why(isolated_state, text, problem):
    (isolated_state / "sso.toml").write_text(text)
    with pytest.raises(SsoMapError, match=problem):
        sso_map.load_mapping()


def test_a_mapping_file_that_is_not_utf8_is_an_error(isolated_state):
    (isolated_state / "sso.toml").write_bytes(b'role_claim = "\xff"\n')
    with pytest.raises(SsoMapError, match="cannot be read"):
        sso_map.load_mapping()


# --- when the identity token was issued --------------------------------------------------------


def test_issued_at_reads_the_iat_claim():
    assert sso_map.issued_at({"iat": 1_750_000_000}) == datetime.fromtimestamp(1_750_000_000, UTC)
    assert sso_map.issued_at({"iat": 1_750_000_000.5}).microsecond == 500_000


@pytest.mark.parametrize("value", [None, "1750000000", True, math.nan, math.inf, 10**20, [1]])
def test_issued_at_is_none_when_iat_is_unusable(value):
    assert sso_map.issued_at({"iat": value}) is None
