"""Single sign-on in a real browser, against a mock OpenID Connect provider on loopback
(oidc-provider-mock), never the internet.

The provider's user gets claims through its API (`PUT /users/<sub>`); the browser clicks "Log in
with single sign-on", authorises that user on the provider's form and comes back. A probe page
that uses `kp_dash.views.sso` alone shows whom the claims map to; the app itself, in login mode
(a password user exists) with a claim mapping, shows the user in its sidebar.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bench import appserver
from kp_dash.store import accounts

# Authlib sets its deprecation warnings to "always" when first imported: import it before the
# mock, whose imports are quietened below
pytest.importorskip("authlib.deprecate", reason="st.login needs Authlib (pip install Authlib)")
with warnings.catch_warnings():
    # the mock is built on Authlib APIs that Authlib now marks as deprecated
    warnings.simplefilter("ignore", DeprecationWarning)
    mock = pytest.importorskip(
        "oidc_provider_mock",
        reason="single sign-on tests need the mock OIDC provider (pip install oidc-provider-mock)",
    )

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]
expect.set_options(timeout=30_000)

LOGIN = "Log in with single sign-on"
SIDEBAR = '[data-testid="stSidebar"]'
EXCEPTION = '[data-testid="stException"]'
MAPPING = """\
role_claim = "kp_role"
districts_claim = "kp_districts"

[roles]
"viewer" = "viewer"
"pmdu-analysts" = "analyst"
"""
PROBE = """\
import streamlit as st

from kp_dash.views import sso

st.text(f"configured: {sso.configured()}")
user = sso.current_user()
if user is not None:
    where = " ".join(user.districts) or "province"
    st.text(f"signed in: {user.name} | {user.role} | {where} | {user.via}")
    if st.button("Log out"):
        sso.logout()
else:
    if why := sso.refusal():
        st.text(f"refused: {why}")
    sso.login_button()
"""
# the provider is reached directly, whatever proxy the environment names
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))

WaitForApp = Callable[[Page], None]


@pytest.fixture(scope="module")
def provider(browser: Browser) -> Iterator[str]:
    """The mock provider's address; any client id and secret are accepted."""
    with mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def set_claims(provider: str, sub: str, claims: dict) -> None:
    request = urllib.request.Request(
        f"{provider}/users/{sub}",
        data=json.dumps(claims).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with _LOOPBACK.open(request, timeout=10) as response:
        assert response.status == 204


def write_secrets(path: Path, provider: str) -> Path:
    """An `[auth]` section for the mock provider; Streamlit fills in its own port."""
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "kp-dash"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return path


@contextmanager
def sso_environment(root: Path, provider: str) -> Iterator[Path]:
    """The state folder with the claim mapping, and the variables that point the app at it and
    at the secrets file (so no developer's own secrets or mapping are read)."""
    state = root / "state"
    state.mkdir(parents=True, exist_ok=True)
    (state / "sso.toml").write_text(MAPPING, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STREAMLIT_SECRETS_FILES", str(write_secrets(root / "secrets.toml", provider)))
        patch.setenv("KP_DASH_SSO_MAP", str(state / "sso.toml"))
        patch.setenv("KP_DASH_STATE", str(state))
        patch.setenv("NO_PROXY", "localhost,127.0.0.1")
        yield state


@contextmanager
def run_streamlit(script: Path, root: Path) -> Iterator[str]:
    """`streamlit run SCRIPT` on a free loopback port; its address as the browser must use it
    (localhost: the host of the redirect URI, where the login cookie is set)."""
    env = appserver.app_env(root)
    with appserver.streamlit_running(script, env, root / f"{script.stem}.log") as (url, _):
        yield url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def probe_url(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sso_probe")
    script = root / "sso_probe.py"
    script.write_text(PROBE, encoding="utf-8")
    with sso_environment(root, provider), run_streamlit(script, root) as url:
        yield url


@pytest.fixture(scope="module")
def app_url(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app in login mode: a password user exists, and single sign-on is configured."""
    root = tmp_path_factory.mktemp("sso_app")
    with sso_environment(root, provider):
        accounts.add_user("local.admin", "admin", "a long enough password", by="test")
        with appserver.serve(root) as server:
            yield server.url.replace("127.0.0.1", "localhost")


def log_in_at_provider(page: Page, provider: str, sub: str, wait_for_app: WaitForApp) -> None:
    """Click the single sign-on button, authorise `sub` on the provider's form, come back."""
    app = page.url.split("/")[2]
    page.get_by_role("button", name=LOGIN).click()
    page.wait_for_url(f"{provider}/oauth2/authorize?*")
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(rf"^http://{re.escape(app)}/(\?.*)?$"))
    wait_for_app(page)


# --- the provider and Streamlit's side of the flow ---------------------------------------------


def test_the_mock_provider_answers_discovery_on_loopback(provider: str):
    with _LOOPBACK.open(f"{provider}/.well-known/openid-configuration", timeout=10) as response:
        metadata = json.load(response)
    assert metadata["issuer"] == provider
    assert metadata["authorization_endpoint"].startswith(f"{provider}/")


@pytest.mark.parametrize(
    "sub, claims, shown",
    [
        (
            "u-viewer",
            {"preferred_username": "ayesha.sso", "kp_role": "viewer", "kp_districts": ["PK502"]},
            "signed in: ayesha.sso | viewer | PK502 | sso",
        ),
        (
            "u-analyst",
            {"email": "bilal@pmdu.gov.pk", "kp_role": ["staff", "pmdu-analysts"]},
            "signed in: bilal@pmdu.gov.pk | analyst | province | sso",
        ),
        (
            "u-two",
            {"preferred_username": "sana", "kp_role": "Viewer", "kp_districts": "PK528, pk501"},
            "signed in: sana | viewer | PK501 PK528 | sso",
        ),
    ],
)
def test_claims_map_to_the_signed_in_user(
    page: Page, probe_url: str, provider: str, wait_for_app: WaitForApp, sub, claims, shown
):
    set_claims(provider, sub, claims)
    page.goto(probe_url)
    wait_for_app(page)
    expect(page.get_by_text("configured: True")).to_be_visible()
    log_in_at_provider(page, provider, sub, wait_for_app)
    expect(page.get_by_text(shown)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"preferred_username": "x", "kp_role": "admin"}, "'admin' in the 'kp_role' claim"),
        ({"preferred_username": "x", "kp_role": "<b>viewer</b>"}, "'?b?viewer?/b?'"),
        ({"preferred_username": "x", "kp_role": "viewer", "kp_districts": ["PK599"]}, "PK599"),
    ],
)
def test_claims_without_access_are_refused(
    page: Page, probe_url: str, provider: str, wait_for_app: WaitForApp, claims, reason
):
    # with a [roles] table only the values listed count: a bare "admin" grants nothing
    set_claims(provider, "u-refused", claims)
    page.goto(probe_url)
    wait_for_app(page)
    log_in_at_provider(page, provider, "u-refused", wait_for_app)
    expect(page.get_by_text("refused: ")).to_contain_text(reason)
    expect(page.get_by_text("signed in:")).to_have_count(0)
    expect(page.get_by_role("button", name=LOGIN)).to_be_visible()


def test_logging_out_ends_the_single_sign_on(
    page: Page, probe_url: str, provider: str, wait_for_app: WaitForApp
):
    set_claims(provider, "u-out", {"preferred_username": "omar", "kp_role": "viewer"})
    page.goto(probe_url)
    wait_for_app(page)
    log_in_at_provider(page, provider, "u-out", wait_for_app)
    expect(page.get_by_text("signed in: omar")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    # the provider offers an end-session page: confirm there, and come back logged out
    page.get_by_role("button", name="End session").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name=LOGIN)).to_be_visible()
    expect(page.get_by_text("signed in:")).to_have_count(0)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name=LOGIN)).to_be_visible()


# --- the app's login form -----------------------------------------------------------------------


def test_the_app_logs_in_through_single_sign_on(
    page: Page, app_url: str, provider: str, wait_for_app: WaitForApp
):
    set_claims(
        provider,
        "u-app",
        {"preferred_username": "ayesha.sso", "kp_role": "viewer", "kp_districts": ["PK502"]},
    )
    page.goto(app_url)
    wait_for_app(page)
    log_in_at_provider(page, provider, "u-app", wait_for_app)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_contain_text("ayesha.sso")
    expect(sidebar).to_contain_text("viewer")
    expect(page.get_by_role("button", name=LOGIN)).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    # logging out clears the login cookie too: a reload stays logged out
    sidebar.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="End session").click()
    wait_for_app(page)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name=LOGIN)).to_be_visible()
    expect(page.get_by_text("ayesha.sso")).to_have_count(0)


def test_the_app_says_why_single_sign_on_gives_no_access(
    page: Page, app_url: str, provider: str, wait_for_app: WaitForApp
):
    set_claims(provider, "u-app-refused", {"preferred_username": "zara", "kp_role": "boss"})
    page.goto(app_url)
    wait_for_app(page)
    log_in_at_provider(page, provider, "u-app-refused", wait_for_app)
    expect(page.get_by_text("No dashboard role")).to_be_visible()
    expect(page.get_by_role("button", name=LOGIN)).to_be_visible()
    expect(page.get_by_text("zara")).to_have_count(0)
