"""Sign-in and roles (services/auth): trusted proxy headers, hashed API keys (OIDC JWTs: test_auth_oidc.py),
admin vs user, anonymous callers, and the start-up refusal of weak secrets. The app is the real one over a real
two-document index: an "hr" document and a public one, so who the caller is shows in what they can see."""
from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.api.app import create_app
from services.auth import InsecureSettings, auth_summary, check_security
from services.cli import api_server
from services.settings import Settings
from tests.auth_support import (
    CANARY,
    PROXY,
    STRONG,
    app_for,
    bearer,
    client_for,
    corpus_fixture,  # noqa: F401  (registers the `corpus` fixture here)
    feedback_user,
    search,
    seen,
)
from tests.conftest import REPO
from tests.fakes import served

# --- reverse proxy headers --------------------------------------------------------------------------------------

@pytest.mark.integration  # the real embedding model and Chroma
def test_proxy_headers_from_a_trusted_peer_name_the_user_and_their_groups(corpus):
    _, _, hr_doc, _ = corpus
    client = client_for(corpus, **PROXY)
    alice = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "hr, all"}
    assert CANARY in seen(search(client, alice))
    assert client.get(f"/v1/documents/{hr_doc}", headers=alice).status_code == 200
    assert feedback_user(client, alice) == "alice"
    bob = {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "all"}
    assert CANARY not in seen(search(client, bob)) and "Soup" in seen(
        client.post("/v1/search", json={"question": "When is soup served?"}, headers=bob))
    assert client.get(f"/v1/documents/{hr_doc}", headers=bob).status_code == 404


@pytest.mark.integration  # the real embedding model and Chroma
@pytest.mark.parametrize("demo", [False, True])
def test_proxy_headers_from_an_untrusted_peer_never_give_their_groups(corpus, demo):
    _, _, hr_doc, _ = corpus
    client = client_for(corpus, auth_trusted_proxies=["10.1.2.3/32"], demo_mode=demo)
    eve = {"X-Forwarded-User": "eve", "X-Forwarded-Groups": "hr,perimeter-admins"}
    response = search(client, eve)
    if demo:  # ignored: the caller is the demo user of group "all"
        assert CANARY not in seen(response)
        assert feedback_user(client, eve) == "demo"
        assert client.get(f"/v1/documents/{hr_doc}", headers=eve).status_code == 404
        assert client.get("/v1/admin/feedback", headers=eve).status_code == 401
    else:
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
        assert CANARY not in response.text
        assert client.get(f"/v1/documents/{hr_doc}", headers=eve).status_code == 401


@pytest.mark.integration  # the real embedding model and Chroma
def test_repeated_identity_headers_from_the_proxy_are_refused(corpus):
    client = client_for(corpus, **PROXY)
    twice = [("X-Forwarded-User", "mallory"), ("X-Forwarded-User", "alice"), ("X-Forwarded-Groups", "all")]
    assert client.post("/v1/search", json={"question": "When is pay day?"}, headers=twice).status_code == 401
    groups_twice = [("X-Forwarded-User", "alice"), ("X-Forwarded-Groups", "all"), ("X-Forwarded-Groups", "hr")]
    assert client.post("/v1/search", json={"question": "pay day"}, headers=groups_twice).status_code == 401


@pytest.mark.integration  # the real embedding model and Chroma
def test_over_real_http_the_tcp_peer_decides_and_x_forwarded_for_cannot_fake_it(corpus):
    alice = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "hr"}
    question = {"question": "When is pay day?"}
    with served(app_for(corpus, auth_trusted_proxies=["127.0.0.1/32"]), api_server) as url:
        assert CANARY in seen(httpx.post(url + "/v1/search", json=question, headers=alice, timeout=30))
    # Only 10.0.0.5 is the proxy; a local caller claiming to be forwarded by it is still 127.0.0.1.
    with served(app_for(corpus, auth_trusted_proxies=["10.0.0.5/32"]), api_server) as url:
        spoof = {**alice, "X-Forwarded-For": "10.0.0.5", "X-Real-IP": "10.0.0.5", "Forwarded": "for=10.0.0.5"}
        response = httpx.post(url + "/v1/search", json=question, headers=spoof, timeout=30)
        assert response.status_code == 401 and CANARY not in response.text


# --- API keys -------------------------------------------------------------------------------------------------------

def keys_file(path: Path, *entries: tuple[str, str, list[str], str]) -> Path:
    lines = ["keys:"]
    for name, key, groups, role in entries:
        lines.append(f"  - {{name: {name}, sha256: {hashlib.sha256(key.encode()).hexdigest()}, "
                     f"groups: [{', '.join(groups)}], role: {role}}}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.integration  # the real embedding model and Chroma
def test_api_keys_are_stored_hashed_and_identify_service_accounts(corpus, tmp_path):
    bot_key, ops_key = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    path = keys_file(tmp_path / "keys.yaml", ("payroll-bot", bot_key, ["hr"], "user"),
                     ("ops-bot", ops_key, ["all"], "admin"))
    assert bot_key not in path.read_text() and ops_key not in path.read_text()
    client = client_for(corpus, auth_api_keys_file=path)
    assert CANARY in seen(search(client, bearer(bot_key)))
    assert CANARY in seen(search(client, {"X-API-Key": bot_key}))
    assert feedback_user(client, {"X-API-Key": bot_key}) == "payroll-bot"
    for wrong in (bot_key[:-1], hashlib.sha256(bot_key.encode()).hexdigest(), bot_key + "x"):
        response = search(client, bearer(wrong))
        assert response.status_code == 401 and CANARY not in response.text
    assert search(client, {"X-API-Key": "nope"}).status_code == 401
    # Both headers at once: refused rather than picking one.
    assert search(client, {**bearer(ops_key), "X-API-Key": bot_key}).status_code == 401
    assert client.get("/v1/admin/feedback", headers=bearer(bot_key)).status_code == 403
    assert client.get("/v1/admin/feedback", headers=bearer(ops_key)).status_code == 200
    # Revoking a key is editing the file: no restart.
    keys_file(path, ("ops-bot", ops_key, ["all"], "admin"))
    assert search(client, bearer(bot_key)).status_code == 401


def test_a_keys_file_with_a_plain_key_or_a_bad_digest_is_refused_at_start(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text("keys:\n  - {name: bot, key: hunter2-hunter2, groups: [all]}\n")
    short = tmp_path / "short.yaml"
    short.write_text("keys:\n  - {name: bot, sha256: abc123, groups: [all]}\n")
    for path in (plain, short):
        with pytest.raises(InsecureSettings, match="PERIMETER_AUTH_API_KEYS_FILE"):
            check_security(Settings(auth_api_keys_file=path))


# --- roles, anonymous callers -------------------------------------------------------------------------------------

ADMIN_ROUTES = [("GET", "/v1/admin/feedback"), ("GET", "/v1/admin/jobs"), ("GET", "/v1/admin/sources"),
                ("GET", "/v1/admin/jobs/some-job"), ("POST", "/v1/admin/reindex"),
                ("POST", "/v1/admin/jobs/some-job/cancel")]


@pytest.mark.integration  # the real embedding model and Chroma
def test_admin_routes_are_for_admins_only(corpus):
    client = client_for(corpus, **PROXY, admin_token=STRONG)
    user = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "hr,all"}
    for method, path in ADMIN_ROUTES:
        response = client.request(method, path, headers=user, json={})
        assert response.status_code == 403, (path, response.text)
        assert client.request(method, path, json={}).status_code == 401, path
        assert client.request(method, path, headers=bearer("not-the-token"), json={}).status_code == 401, path
    admin = {"X-Forwarded-User": "root", "X-Forwarded-Groups": "perimeter-admins"}
    assert client.get("/v1/admin/feedback", headers=admin).status_code == 200
    assert client.get("/v1/admin/feedback", headers=bearer(STRONG)).status_code == 200
    # The admin token is an admin, not a reader: it sees no documents.
    assert CANARY not in seen(search(client, bearer(STRONG)))
    custom = client_for(corpus, **PROXY, auth_admin_groups=["it-ops"])
    assert custom.get("/v1/admin/feedback", headers=admin).status_code == 403
    assert custom.get("/v1/admin/feedback", headers={**admin, "X-Forwarded-Groups": "it-ops"}).status_code == 200


ANSWER_ROUTES = [("POST", "/v1/ask", {"question": "When is pay day?"}),
                 ("POST", "/v1/ask/stream", {"question": "When is pay day?"}),
                 ("POST", "/v1/search", {"question": "When is pay day?"}),
                 ("POST", "/v1/chat/completions", {"model": "perimeter",
                                                   "messages": [{"role": "user", "content": "When is pay day?"}]}),
                 ("GET", "/v1/models", None),
                 ("POST", "/v1/feedback", {"answer_id": "0" * 32, "rating": "up"})]


@pytest.mark.integration  # the real embedding model and Chroma
def test_anonymous_callers_get_401_unless_demo_mode(corpus):
    _, _, hr_doc, public_doc = corpus
    client = client_for(corpus, **PROXY)
    routes = ANSWER_ROUTES + [("GET", f"/v1/documents/{public_doc}", None)]
    for method, path, body in routes:
        response = client.request(method, path, json=body)
        assert response.status_code == 401, (path, response.status_code)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="perimeter"'
    demo = client_for(corpus, demo_mode=True)
    for method, path, body in routes:
        # An answer id the demo user was never given is no answer of theirs to rate (feedback_user rates one).
        expected = (404,) if path == "/v1/feedback" else (200, 201)
        assert demo.request(method, path, json=body).status_code in expected, path
    assert feedback_user(demo) == "demo"
    assert CANARY not in seen(search(demo))
    assert demo.get(f"/v1/documents/{hr_doc}").status_code == 404
    # In demo mode a credential that is not ours (the openai client always sends one) is just the demo user.
    assert feedback_user(demo, bearer("sk-unused")) == "demo"


# --- start-up -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["change-me", "short-token-123", "x" * 40, "please-change-me-before-production-ok"])
def test_startup_refuses_a_weak_admin_token_outside_demo_mode(token):
    settings = Settings(admin_token=token, **PROXY)
    with pytest.raises(InsecureSettings, match="PERIMETER_ADMIN_TOKEN"):
        create_app(settings)  # refused before the pipeline is built
    check_security(settings.with_values(**{"demo_mode": True}))  # a demo on one's own machine may
    check_security(settings.with_values(**{"admin_token": STRONG}))


def test_perimeter_serve_refuses_weak_secrets_and_prints_the_demo_identity():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERIMETER_")}
    env.update(PERIMETER_ADMIN_TOKEN="change-me", PERIMETER_AUTH_TRUSTED_PROXIES='["127.0.0.1/32"]')
    done = subprocess.run([sys.executable, "-m", "services.cli", "serve"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "PERIMETER_ADMIN_TOKEN" in done.stderr, done.stderr
    assert "DEMO MODE: no sign-in; every visitor is user 'demo' in groups [all]" in auth_summary(
        Settings(demo_mode=True))
