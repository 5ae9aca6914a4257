"""Browser sign-in's settings (services/web_settings.py) and start-up checks (services/auth/startup.py): half a
configuration, a missing or weak cookie secret, and secrets read from files."""
from __future__ import annotations

import pytest

from services.auth import InsecureSettings, auth_summary, check_security
from services.settings import Settings

GOOD = dict(sso_issuer="https://id.example.corp/realms/staff", sso_client_id="perimeter",
            sso_client_secret="client-secret-from-the-provider-0123", sso_session_secret="Zq8-rT4_wY2pL6nB0vX3kM7sH1")


def test_browser_sign_in_counts_as_a_way_to_sign_in():
    settings = Settings(**GOOD)
    check_security(settings)  # no proxy, no bearer tokens, no API keys: browser sign-in alone is enough
    assert "sign-in: browsers through https://id.example.corp/realms/staff" in auth_summary(settings)
    assert settings.sso.metadata_url == "https://id.example.corp/realms/staff/.well-known/openid-configuration"
    shown = settings.described()
    assert shown["PERIMETER_SSO_CLIENT_SECRET"] == shown["PERIMETER_SSO_SESSION_SECRET"] == "(set)"


@pytest.mark.parametrize("change,named", [
    ({"sso_client_id": None}, "PERIMETER_SSO_CLIENT_ID"),
    ({"sso_client_secret": None}, "PERIMETER_SSO_CLIENT_SECRET"),
    ({"sso_session_secret": None}, "PERIMETER_SSO_SESSION_SECRET"),
    ({"sso_session_secret": "short"}, "PERIMETER_SSO_SESSION_SECRET is too short"),
    ({"sso_session_secret": None, "sso_session_secret_file": "/nonexistent/secret"}, "cannot read /nonexistent"),
])
def test_start_up_names_what_browser_sign_in_lacks(change, named):
    with pytest.raises(InsecureSettings, match=named):
        check_security(Settings(**{**GOOD, **change}))


def test_a_missing_cookie_secret_is_refused_in_demo_mode_too():
    with pytest.raises(InsecureSettings, match="PERIMETER_SSO_SESSION_SECRET"):
        check_security(Settings(**{**GOOD, "sso_session_secret": None}, demo_mode=True))


def test_secrets_come_from_files_the_environment_names(tmp_path):
    (tmp_path / "client").write_text("client-secret-in-a-mounted-file-42\n", encoding="utf-8")
    (tmp_path / "cookie").write_text("cookie-secret-in-a-mounted-file-Qx9Lr\n", encoding="utf-8")
    settings = Settings(**{**GOOD, "sso_client_secret": None, "sso_session_secret": None,
                           "sso_client_secret_file": tmp_path / "client",
                           "sso_session_secret_file": tmp_path / "cookie"})
    assert settings.sso.client_secret_value == "client-secret-in-a-mounted-file-42"
    assert settings.sso.session_secret_value == "cookie-secret-in-a-mounted-file-Qx9Lr"
    check_security(settings)


def test_the_session_cookie_is_httponly_lax_and_secure_and_a_dead_provider_is_a_clear_503(tmp_path):
    """The cookie's flags as the browser gets them (Set-Cookie), with PERIMETER_SSO_COOKIE_SECURE on (the default)
    and off; the provider unreachable at sign-in is a 503 that says so, not a 500."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from services.container import Container
    from services.web.sign_in import SESSION_COOKIE, add_browser_sign_in

    for secure in (True, False):
        settings = Settings(**{**GOOD, "sso_issuer": "http://127.0.0.1:9/nobody-here", "sso_cookie_secure": secure,
                               "sso_timeout_s": 2.0}, data_dir=tmp_path)
        app = FastAPI()
        app.state.container = Container(settings, model=None)
        add_browser_sign_in(app, settings)
        reply = TestClient(app, base_url="https://perimeter.test").get("/auth/login?next=/admin",
                                                                       follow_redirects=False)
        assert reply.status_code == 503 and "identity provider cannot be reached" in reply.json()["detail"]
        cookie = reply.headers["set-cookie"].lower()
        assert cookie.startswith(f"{SESSION_COOKIE}=") and "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.replace("samesite", "")) is secure
