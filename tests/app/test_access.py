"""Who sees what, page by page: the login form alone before login; roles that decide which pages
a person may open and whether they may download; and a district officer who sees their own
districts' figures and no other district's, on every page and in every download."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kp_dash.store import accounts, audit, config, districts, intake, sessions
from kp_dash.views import auth, scope
from tests.app.conftest import ROOT, TIMEOUT_S
from tests.app.test_downloads import _read, _records, recording  # noqa: F401 (a fixture)

PASSWORD = "a long enough password"
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
ANALYSIS = [p for p in PAGES if not p.endswith(("2_Data.py", "10_Admin.py"))]
IMPORTS = Path(__file__).parents[1] / "fixtures" / "imports"
BAJAUR = "PK502"


@pytest.fixture
def own_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    target = config.db_path()
    shutil.copy(demo_db, target)
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return target


def _page(page: str, user: str | None = None, **params: str) -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S)
    at.query_params.update(params)
    if user:
        at.session_state[auth.SESSION_KEY] = sessions.start(user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def _only_the_login_form(at: AppTest) -> None:
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [b.label for b in at.button] == ["Log in"]
    for kind in ("dataframe", "plotly_chart", "download_button", "deck_gl_json_chart", "metric"):
        assert not at.get(kind), f"{kind} shown before login"


@pytest.mark.parametrize("page", PAGES)
def test_before_login_every_page_shows_the_login_form_alone(page: str, own_demo: Path) -> None:
    accounts.add_user("someone", "admin", PASSWORD)
    _only_the_login_form(_page(page, district=BAJAUR, service="telemedicine"))


def test_open_mode_shows_the_notice_and_every_page(own_demo: Path) -> None:
    at = _page("pages/0_Home.py")
    assert any("Open mode" in text for text in _texts(at.sidebar.caption))
    assert at.get("download_button")
    assert not _texts(at.error)


def _connected_from(monkeypatch: pytest.MonkeyPatch, peer: str, forwarded: str = "") -> None:
    """Streamlit's connection address and headers as a real server would give them (under
    AppTest the address is not a string, which counts as this machine)."""
    context = type(st.context)
    monkeypatch.setattr(context, "ip_address", property(lambda _: peer))
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    monkeypatch.setattr(context, "headers", property(lambda _: headers))


OPEN_MODE_REFUSAL = "This app is in open mode and serves only the computer it runs on."


@pytest.mark.parametrize(
    ("peer", "served"),
    [
        ("127.0.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
        ("203.0.113.9", False), ("::ffff:192.168.1.4", False), ("10.0.0.7", False),
    ],
)  # fmt: skip
def test_open_mode_serves_this_machine_alone(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch, peer: str, served: bool
) -> None:
    _connected_from(monkeypatch, peer)
    at = _page("pages/0_Home.py")
    assert _texts(at.error) == ([] if served else [OPEN_MODE_REFUSAL])
    assert bool(at.get("download_button")) is served and bool(at.get("metric")) is served


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a proxy on this machine passes on a visitor from elsewhere: refused only if trusted
    _connected_from(monkeypatch, "127.0.0.1", forwarded="203.0.113.9")
    assert not _texts(_page("pages/0_Home.py").error)
    monkeypatch.setenv("KP_DASH_TRUSTED_PROXIES", "127.0.0.1")
    assert _texts(_page("pages/0_Home.py").error) == [OPEN_MODE_REFUSAL]
    # a visitor from elsewhere who claims to be this machine is still refused
    _connected_from(monkeypatch, "203.0.113.9", forwarded="127.0.0.1")
    assert _texts(_page("pages/0_Home.py").error) == [OPEN_MODE_REFUSAL]


def test_the_audit_trail_records_the_visitor_a_trusted_proxy_names(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    monkeypatch.setenv("KP_DASH_TRUSTED_PROXIES", "10.0.0.1")
    _connected_from(monkeypatch, "10.0.0.1", forwarded="198.51.100.7, 203.0.113.9")
    at = _page("pages/0_Home.py")
    at.text_input[0].input("amina")
    at.text_input[1].input("wrong password, sadly")
    at.button[0].click().run()
    assert [(e.event, e.address) for e in audit.entries()][-1] == ("login_failed", "203.0.113.9")


def test_logging_in_through_the_form_opens_the_page_and_is_recorded(own_demo: Path) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    at = _page("pages/0_Home.py")
    at.text_input[0].input("amina")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.dataframe, "the Home ranking after login"
    assert any("amina · viewer · province" in t for t in _texts(at.sidebar.caption))
    assert [(e.event, e.who) for e in audit.entries()][-1] == ("login", "amina")


def _with_cookie(monkeypatch: pytest.MonkeyPatch, session_id: str | None) -> None:
    """The cookies the browser sends, as Streamlit gives them to the script."""
    cookies = {sessions.COOKIE: session_id} if session_id else {}
    monkeypatch.setattr(type(st.context), "cookies", property(lambda _: cookies))


def _log_in(at: AppTest, name: str = "amina", password: str = PASSWORD) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def scripts(at: AppTest) -> list[str]:
    """The page's HTML elements but its style sheet: the scripts that reach for the cookie."""
    return [str(e.proto.body) for e in at.get("html") if "<script" in str(e.proto.body)]


def test_a_login_hands_the_browser_a_ticket_for_its_cookie(own_demo: Path) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    at = _log_in(_page("pages/0_Home.py"))
    session_id = at.session_state[auth.SESSION_KEY]
    assert sessions.find(session_id).session.user == "amina"
    (script,) = scripts(at)
    ticket = re.search(r"/_kp/session\?ticket=([A-Za-z0-9_-]+)&next=", script).group(1)
    assert session_id not in script  # the page gets a one-time ticket, never the session id
    assert sessions.redeem(ticket) == session_id
    at.run()
    assert not scripts(at)  # handed over once


def _two_tabs(monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, AppTest]:
    """amina logs in on Home; a second Streamlit session of the same browser (a reload or a
    second tab) opens the Map with the browser's cookie."""
    accounts.add_user("amina", "viewer", PASSWORD)
    first = _log_in(_page("pages/0_Home.py"))
    _with_cookie(monkeypatch, first.session_state[auth.SESSION_KEY])
    return first, _page("pages/1_Map.py")


def test_a_second_tab_with_the_cookie_is_logged_in_without_the_form(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = _two_tabs(monkeypatch)
    assert any("amina · viewer" in t for t in _texts(second.sidebar.caption))
    assert not [t for t in second.text_input if t.label == "Password"]


@pytest.mark.parametrize("session_id", ["made-up", "x" * 5000, ""])
def test_a_cookie_the_server_never_issued_gets_the_login_form(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch, session_id: str
) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    _with_cookie(monkeypatch, session_id)
    at = _page("pages/0_Home.py")
    _only_the_login_form(at)
    assert not _texts(at.info)


def test_log_out_in_one_tab_ends_the_session_in_the_other(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_tabs(monkeypatch)
    first.sidebar.button(key="auth_logout").click().run()
    _only_the_login_form(first)
    assert "next=" in scripts(first)[0]  # the cookie is cleared too
    second.run()
    _only_the_login_form(second)
    assert _texts(second.info) == ["You logged out (in this tab or another): log in again."]


def test_a_new_password_ends_the_session_and_says_so(own_demo: Path) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    at = _page("pages/0_Home.py", "amina")
    accounts.set_password("amina", "a brand new password")
    at.run()
    _only_the_login_form(at)
    assert _texts(at.info) == ["Your password was changed: log in with the new one."]
    assert [(e.event, e.what) for e in audit.entries()][-1] == ("logout", "password changed")


def test_logging_in_from_a_deep_link_stays_on_that_page(own_demo: Path) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    at = _log_in(_page("pages/7_Profile.py", district=BAJAUR))
    assert at.query_params["district"] in (BAJAUR, [BAJAUR])
    assert "Bajaur" in " ".join(_texts(at.title) + _texts(at.header) + _texts(at.subheader))


def test_a_wrong_password_is_refused_and_five_lock_the_account(own_demo: Path) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    at = _page("pages/0_Home.py")
    for attempt in range(5):
        at.text_input[0].input("amina")
        at.text_input[1].input("not the password")
        at.button[0].click().run()
        expected = "Wrong username or password." if attempt < 4 else "locked"
        assert expected in _texts(at.error)[-1]
    _only_the_login_form(at)


def test_a_removed_user_is_logged_out_at_the_next_click(own_demo: Path) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    accounts.add_user("boss", "admin", PASSWORD)
    at = _page("pages/0_Home.py", "amina")
    accounts.remove_user("amina")
    at.run()
    _only_the_login_form(at)


@pytest.mark.parametrize(
    ("role", "data", "admin", "downloads"),
    [
        ("viewer", False, False, False),
        ("analyst", False, False, True),
        ("data_manager", True, False, True),
        ("admin", True, True, True),
    ],
)
def test_each_role_opens_its_pages_and_downloads(
    role: str, data: bool, admin: bool, downloads: bool, own_demo: Path
) -> None:
    accounts.add_user("person", role, PASSWORD)
    home = _page("pages/0_Home.py", "person")
    assert bool(home.get("download_button")) is downloads
    data_page = _page("pages/2_Data.py", "person")
    assert bool(data_page.get("file_uploader")) is data
    if not data:
        assert "The Data page is for data managers and administrators" in _texts(data_page.error)[0]
    admin_page = _page("pages/10_Admin.py", "person")
    assert bool(admin_page.dataframe) is admin
    refused = [e.what for e in audit.entries() if e.event == "refused"]
    assert refused == ["page Data"] * (not data) + ["page Admin"] * (not admin)


# --- a district officer ---------------------------------------------------------------------


def _other_districts() -> tuple[set[str], set[str]]:
    register = districts.load_register()
    others = register[register["district_code"] != BAJAUR]
    return set(others["district_code"]), set(others["district_name"])


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _leaks(at: AppTest) -> list[str]:
    """Every place on the page where another district's figures could be: table cells naming
    another district, and chart texts naming one beside a number that do not say it is outside
    the user's."""
    codes, names = _other_districts()
    found = []
    for frame in at.dataframe:
        # a division may share a district's name (Malakand): look at the district columns
        named = [c for c in frame.value.columns if re.search("district|group", str(c), re.I)]
        cells = {str(c) for c in frame.value[named].astype(str).to_numpy().ravel()}
        found += [f"table: {c}" for c in cells & (codes | names)]
    province = re.compile(r"Khyber Pakhtunkhwa|\w+ division")
    words = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
    for chart in at.get("plotly_chart"):
        for text in _strings(json.loads(chart.proto.spec)["data"]):
            # a name alone (a shape's label) is no figure; a name with a number is one
            named = words.search(province.sub("", text))
            if named and re.search(r"\d", text) and scope.OUTSIDE not in text:
                found.append(f"chart: {text[:80]}")
    return found


@pytest.mark.parametrize("page", ANALYSIS)
def test_a_district_officer_sees_no_other_district_on_any_page_or_download(
    page: str, own_demo: Path
) -> None:
    accounts.add_user("bajaur", "analyst", PASSWORD, [BAJAUR])
    at = _page(page, "bajaur")
    assert _leaks(at) == []
    codes, names = _other_districts()
    for download in _read(at).values():
        if download.data.startswith(b"%PDF"):
            continue  # the briefing: tested in tests/unit/test_scope.py
        for record in _records(download):
            cells = {str(v) for k, v in record.items() if "district" in str(k).casefold()}
            assert not cells & (codes | names), (download.key, cells & (codes | names))


def test_a_district_officer_sees_their_own_districts_figures(own_demo: Path) -> None:
    accounts.add_user("bajaur", "analyst", PASSWORD, [BAJAUR])
    home = _page("pages/0_Home.py", "bajaur")
    ranking = home.dataframe[0].value
    assert list(ranking["District"]) == ["Bajaur"]
    assert home.metric, "province headlines stay"
    trends = _page("pages/6_Trends.py", "bajaur", metric="uptake_per_1000")
    trends.radio(key="trends_level").set_value("district").run()
    assert trends.multiselect(key="trends_members").options == ["Bajaur"]


def test_a_district_officer_sees_their_targets_alone_where_others_have_targets(
    own_demo: Path, tmp_path: Path
) -> None:
    # targets for Bajaur, two other districts and the province: every district gets a row
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "service,district,metric,year,target\n"
        f"health_card,{BAJAUR},uptake_per_1000,2026,50\n"
        "health_card,PK528,uptake_per_1000,2026,80\n"
        "health_card,PK501,uptake_per_1000,2026,70\n"
        "health_card,KP,uptake_per_1000,2026,60\n",
        encoding="utf-8",
    )
    imported = intake.import_file(targets, kind="targets", who="tester")
    assert imported.status == "accepted", imported.message
    accounts.add_user("bajaur", "analyst", PASSWORD, [BAJAUR])
    at = _page("pages/6_Trends.py", "bajaur")
    (shown,) = [d.value for d in at.dataframe if "Attainment (%)" in d.value.columns]
    places = set(shown["District"])
    assert "Bajaur" in places  # their own target is there: the test is not vacuous
    codes, names = _other_districts()
    assert not places & (codes | names), places & (codes | names)
    (download,) = [d for k, d in _read(at).items() if k.startswith("trends_targets_download")][:1]
    rows = _records(download)
    assert {str(r.get("district_code")) for r in rows} <= {BAJAUR, "None", "", "nan"}
    assert BAJAUR in {str(r.get("district_code")) for r in rows}


def test_a_profile_of_another_district_says_it_is_not_theirs(own_demo: Path) -> None:
    accounts.add_user("bajaur", "analyst", PASSWORD, [BAJAUR])
    at = _page("pages/7_Profile.py", "bajaur", district="PK501")
    assert "Abbottabad is not one of your districts" in _texts(at.error)[0]
    assert at.selectbox(key="profile_district").options == ["Bajaur"]
    assert "Abbottabad" not in " ".join(_texts(at.subheader))


def test_the_map_shades_other_districts_as_outside(own_demo: Path) -> None:
    accounts.add_user("bajaur", "analyst", PASSWORD, [BAJAUR])
    at = _page("pages/1_Map.py", "bajaur")
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    outside = [t for t in traces if t.get("name") == scope.OUTSIDE]
    assert len(outside) == 1 and len(outside[0]["locations"]) == 34
    assert BAJAUR not in outside[0]["locations"]


def test_a_district_data_manager_cannot_import_other_districts_rows(own_demo: Path) -> None:
    accounts.add_user("bajaur", "data_manager", PASSWORD, [BAJAUR])
    at = _page("pages/2_Data.py", "bajaur")
    good = IMPORTS / "usage_good.csv"  # rows of Peshawar, D.I. Khan and Bajaur
    at.file_uploader(key="data_upload").upload(good.name, good.read_bytes(), "text/csv")
    at.run()
    at.button(key="data_import").click().run()
    problems = next(f.value for f in at.dataframe if "rule" in f.value.columns)
    outside = problems[problems["rule"] == "outside_your_districts"]
    assert list(outside["row"]) == [2, 3]
    assert list(outside["value"]) == ["PK528", "PK509"]  # Peshawar, Dera Ismail Khan
    assert not [e for e in audit.entries() if e.event == "import"]


def test_an_administrator_adds_a_district_officer_and_reads_the_trail(own_demo: Path) -> None:
    accounts.add_user("boss", "admin", PASSWORD)
    at = _page("pages/10_Admin.py", "boss")
    fields = {t.label: t for t in at.text_input}
    fields["User name"].input("bajaur.do")
    fields["Password"].input(PASSWORD)
    fields["Password again"].input(PASSWORD)
    at.selectbox[0].set_value("analyst")
    at.multiselect[0].set_value([BAJAUR])
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception
    assert accounts.find("bajaur.do") == accounts.User("bajaur.do", "analyst", (BAJAUR,))
    assert "Added bajaur.do · analyst · PK502." in _texts(at.success)
    trail = at.dataframe[-1].value
    assert list(trail["event"][:1]) == ["user_added"] and list(trail["who"][:1]) == ["boss"]


def test_the_only_administrator_cannot_remove_themselves(own_demo: Path) -> None:
    accounts.add_user("boss", "admin", PASSWORD)
    at = _page("pages/10_Admin.py", "boss")
    at.selectbox[1].set_value("boss")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Remove").click().run()
    assert "You are the only administrator" in _texts(at.error)[0]
    assert accounts.find("boss") is not None


def test_a_session_ends_after_eight_hours_and_says_so(
    own_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add_user("amina", "viewer", PASSWORD)
    at = _page("pages/0_Home.py", "amina")
    later = datetime.now(UTC) + timedelta(hours=8, minutes=1)
    monkeypatch.setattr(sessions, "_now", lambda: later)
    at.run()
    _only_the_login_form(at)
    assert _texts(at.info) == ["Your session ended after 8 hours: log in again."]
    assert [(e.event, e.what) for e in audit.entries()][-1] == ("logout", "session ended")
