"""Browser sign-in end to end: Debian's chromium (Playwright) signs in at a REAL OpenID provider (the certified
oidc-provider from npm on Debian's node, tests/oidc_provider/provider.mjs, started here) through Perimeter's
authorization code flow with PKCE, then asks, opens the admin page, is refused what it may not do, has a tampered
cookie refused, and signs out. Screenshots go to test-artifacts/web/."""
from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from itsdangerous import TimestampSigner

from services.answering import AskPipeline
from services.api.app import create_app
from services.auth.browser_sessions import REFRESH_MARGIN_S, BrowserSessions
from services.components import build_retriever
from services.web.sign_in import SESSION_COOKIE
from tests.fakes import StreamingScriptedModel, served
from tests.processes import OidcProvider
from tests.services.web.browser import ARTIFACTS

pytestmark = pytest.mark.integration
CLIENT_SECRET = "provider-client-secret-9f3Kq2LmZx7Tb4Wc"
SESSION_SECRET = "cookie-signing-secret-Qm4Zr8Tx2Lp6Vn1Bw5Yh"
ACCESS_TTL_S = 20  # short, so a session outlives its access token within the test and must be refreshed
ANSWER = json.dumps({"restatement": "The minimum password length for administrator accounts.",
                     "points": [{"text": "Administrator accounts need passwords of at least 20 characters.",
                                 "citations": [1]}],
                     "conclusion": "Use at least 20 characters.", "suggestions": []})


class AlwaysAnswers(StreamingScriptedModel):
    def chat(self, messages, *, max_tokens, temperature, json_schema=None):
        self.replies = [ANSWER]
        return super().chat(messages, max_tokens=max_tokens, temperature=temperature)


@pytest.fixture(scope="module")
def sso_site(sample_index, redis_url, tmp_path_factory):
    if not OidcProvider.installed():
        pytest.skip("oidc-provider is not installed (deploy/system-packages.sh: npm ci in tests/oidc_provider)")
    settings, _ = sample_index
    data = tmp_path_factory.mktemp("sso")
    (data / "sources.yaml").write_text("sources:\n  - name: acme\n    path: samples/acme\n", encoding="utf-8")
    provider = OidcProvider(data / "provider.log", CLIENT_SECRET, access_ttl_s=ACCESS_TTL_S)
    settings = settings.with_values(
        demo_mode=False, redis_url=redis_url, sources_file=data / "sources.yaml",
        feedback_file=data / "feedback.jsonl", sso_issuer=provider.issuer, sso_client_id="perimeter",
        sso_client_secret=CLIENT_SECRET, sso_session_secret=SESSION_SECRET, sso_cookie_secure=False,
        sso_scopes="openid profile groups")
    app = create_app(settings, AskPipeline(settings, build_retriever(settings), AlwaysAnswers(delay=0.005, piece=20)))
    with served(app) as url:
        provider.start(url)
        try:
            yield url, settings, app
        finally:
            provider.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def sign_in(page, url: str, user: str, path: str = "/"):
    """Open `path` signed out: the page sends the browser to the provider, whose login form we fill."""
    page.goto(url + path)
    page.wait_for_selector("input[name=login]", timeout=20000)  # the provider's own page
    assert page.url.startswith("http://127.0.0.1:") and not page.url.startswith(url)
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.wait_for_url(url + path, timeout=20000)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#signed-in-user")


def session_cookie(context) -> dict:
    [cookie] = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    return cookie


def test_sign_in_and_ask_with_an_httponly_lax_cookie_and_csrf(sso_site, context):
    url, settings, _ = sso_site
    page = context.new_page()
    sign_in(page, url, "bob")
    assert page.get_attribute("#signed-in-user", "data-user") == "bob"
    cookie = session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.fill("#question", "What is the minimum password length for administrator accounts at Acme?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".turn .answer", timeout=30000)
    assert "20 characters" in page.locator(".turn").last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "signed-in-chat.png"))
    # The same cookie, without the page's CSRF header, cannot change anything (another site's form could send it).
    jar = {SESSION_COOKIE: cookie["value"]}
    forged = httpx.post(url + "/v1/ask", json={"question": "password length?"}, cookies=jar)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    who = httpx.get(url + "/auth/session", cookies=jar).json()
    assert who["user"] == "bob" and who["via"] == "oidc" and who["groups"] == ["all"]
    allowed = httpx.post(url + "/v1/ask", json={"question": "password length?"}, cookies=jar,
                         headers={"X-CSRF-Token": who["csrf_token"]})
    assert allowed.status_code == 200, allowed.text


def test_an_admin_reaches_the_admin_page_with_no_token_to_paste(sso_site, context):
    url, _, _ = sso_site
    page = context.new_page()
    sign_in(page, url, "alice", "/admin")
    page.wait_for_selector("#source-rows tr td:text('acme')", timeout=20000)
    assert page.is_hidden("#token-section")
    assert "alice (admin)" in page.inner_text("#admin-status")
    assert page.is_enabled("#reindex-all") and page.is_enabled("#export")
    assert page.evaluate("sessionStorage.getItem('perimeter.adminToken')") is None
    page.screenshot(path=str(ARTIFACTS / "admin-signed-in.png"))


def test_a_user_outside_the_admin_group_gets_403(sso_site, context):
    url, _, _ = sso_site
    page = context.new_page()
    sign_in(page, url, "bob", "/admin")
    page.wait_for_selector("#admin-status.error")
    assert "bob is not an admin" in page.inner_text("#admin-status")
    assert page.is_disabled("#reindex-all") and page.is_disabled("#export")
    for path in ("/v1/admin/sources", "/v1/admin/jobs", "/v1/admin/feedback"):
        assert page.request.get(url + path).status == 403, path


def test_a_tampered_or_forged_cookie_is_refused(sso_site, context):
    url, _, _ = sso_site
    page = context.new_page()
    sign_in(page, url, "alice")
    good = session_cookie(context)["value"]
    assert httpx.get(url + "/v1/admin/sources", cookies={SESSION_COOKIE: good}).status_code == 200
    payload, _, signature = good.partition(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    forged = TimestampSigner("not-the-secret-of-this-server-xyz").sign(
        base64.b64encode(json.dumps({"sid": "made-up"}).encode())).decode()
    for bad in (f"{flipped}.{signature}", good[:-3] + "xyz", forged):
        jar = {SESSION_COOKIE: bad}
        assert httpx.get(url + "/v1/admin/sources", cookies=jar).status_code == 401
        assert httpx.get(url + "/auth/session", cookies=jar).json()["signed_in"] is False


def test_logout_ends_the_session_on_the_server(sso_site, context):
    url, _, _ = sso_site
    page = context.new_page()
    sign_in(page, url, "bob")
    copied = session_cookie(context)["value"]
    page.click("#sign-out")
    page.wait_for_selector("input[name=login], button[autofocus]", timeout=20000)  # at the provider again
    # The copied cookie still carries a valid signature, but its session is gone.
    assert httpx.get(url + "/auth/session", cookies={SESSION_COOKIE: copied}).json()["signed_in"] is False
    assert httpx.post(url + "/v1/ask", json={"question": "password?"},
                      cookies={SESSION_COOKIE: copied}).status_code == 401


def test_a_session_outlives_its_access_token_by_refreshing(sso_site, context):
    url, _, app = sso_site
    page = context.new_page()
    sign_in(page, url, "alice")
    cookie = session_cookie(context)["value"]
    sessions: BrowserSessions = app.state.container.browser_sessions
    session_id = json.loads(base64.b64decode(cookie.partition(".")[0]))["sid"]  # signed, not secret: only an id
    before = sessions.get(session_id)
    assert before is not None and before.refresh_token and before.role == "admin"
    time.sleep(max(0.0, before.fresh_until - REFRESH_MARGIN_S - time.time()) + 1)
    again = httpx.get(url + "/auth/session", cookies={SESSION_COOKIE: cookie}).json()
    assert again["signed_in"] and again["user"] == "alice" and again["role"] == "admin"
    after = sessions.get(session_id)
    assert after is not None and after.access_token != before.access_token  # the provider's refresh grant
    assert after.fresh_until > before.fresh_until and after.csrf == before.csrf


def test_conversations_follow_the_user_and_the_browser_keeps_only_an_id(sso_site, browser):
    url, _, _ = sso_site
    first = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = first.new_page()
    sign_in(page, url, "bob")
    page.click("#new-chat")
    question = "What is the minimum password length for administrator accounts at Acme?"
    for asked in (question, "How long must administrator passwords be at Acme?"):
        page.fill("#question", asked)
        page.keyboard.press("Enter")
        page.wait_for_selector("#status:not(.busy)", timeout=30000)
    kept = page.evaluate("() => Object.fromEntries(Object.entries(localStorage))")
    current = kept["perimeter.currentConversation"]
    assert not [v for v in kept.values() if "password" in v.lower()], kept
    page.reload()  # reload reopens the last conversation, from the server
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function("document.querySelectorAll('.turn .answer').length === 2", timeout=20000)
    # Rename and search it in the list.
    page.once("dialog", lambda dialog: dialog.accept("Password rules"))
    page.click(f"li[data-conversation='{current}'] .rename-conversation")
    page.wait_for_selector(f"li[data-conversation='{current}'] .open-conversation:text('Password rules')")
    page.fill("#conversation-search", "no such title")
    page.wait_for_selector("#conversations li.meta")
    page.fill("#conversation-search", "password")
    page.wait_for_selector(f"li[data-conversation='{current}']")
    page.screenshot(path=str(ARTIFACTS / "conversations.png"))
    first.close()
    # Another machine: the same user finds it; another user does not, and cannot open it by id.
    second = browser.new_context(locale="en-US")
    other = second.new_page()
    sign_in(other, url, "bob")
    other.wait_for_selector(f"li[data-conversation='{current}']")
    other.click(f"li[data-conversation='{current}'] .open-conversation")
    other.wait_for_function("document.querySelectorAll('.turn .answer').length === 2", timeout=20000)
    other.once("dialog", lambda dialog: dialog.accept())
    other.click(f"li[data-conversation='{current}'] .remove-conversation")
    other.wait_for_selector(f"li[data-conversation='{current}']", state="detached")
    assert other.request.get(f"{url}/v1/conversations/{current}").status == 404
    second.close()
    third = browser.new_context(locale="en-US")
    alice = third.new_page()
    sign_in(alice, url, "alice")
    alice.wait_for_selector("#conversations li")
    assert alice.locator(f"li[data-conversation='{current}']").count() == 0
    assert alice.request.get(f"{url}/v1/conversations/{current}").status == 404
    third.close()


def test_demo_mode_without_an_admin_token_says_what_to_set(sample_index, browser, tmp_path):
    settings, _ = sample_index
    settings = settings.with_values(demo_mode=True, admin_token=None, feedback_file=tmp_path / "feedback.jsonl")
    app = create_app(settings, AskPipeline(settings, build_retriever(settings), AlwaysAnswers()))
    with served(app) as url:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.goto(url + "/admin")
        page.wait_for_selector("body[data-ready=true]")
        status = page.inner_text("#admin-status")
        assert "Demo mode" in status and "PERIMETER_ADMIN_TOKEN" in status
        assert page.is_disabled("#reindex-all") and page.is_disabled("#export") and page.is_hidden("#token-section")
        page.screenshot(path=str(ARTIFACTS / "admin-demo.png"))
        context.close()
