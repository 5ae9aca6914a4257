"""Sign-in and roles (services/auth): trusted proxy headers, OIDC bearer JWTs (JWKS file and URL), hashed API keys,
admin vs user, anonymous callers, and the start-up refusal of weak secrets. The app is the real one over a real
two-document index: an "hr" document and a public one, so who the caller is shows in what they can see."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.ask import AskPipeline
from services.auth import InsecureSettings, auth_summary, check_security
from services.cli import api_server
from services.settings import Settings
from tests.conftest import REPO, free_port, make_settings

ISSUER, AUDIENCE = "https://sso.example.internal/realms/acme", "perimeter"
PROXY = {"auth_trusted_proxies": ["127.0.0.1/32", "testclient"]}
CANARY = "PAYDAY-CANARY-5521"
STRONG = secrets.token_urlsafe(32)


# --- the corpus, the app ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory, embedder):
    """(settings, retriever, hr doc id, public doc id) over a real index of one hr and one public document."""
    from ingestion.chunk import doc_id
    from services.components import build_retriever, run_ingest

    root = tmp_path_factory.mktemp("auth")
    (root / "hr").mkdir()
    (root / "hr" / "pay.md").write_text(f"# Pay day\n\nPay day is the 25th of each month. Reference {CANARY}.\n")
    (root / "pub").mkdir()
    (root / "pub" / "menu.md").write_text("# Canteen menu\n\nSoup is served on Fridays in the canteen.\n")
    settings = make_settings(root / "data", feedback_file=root / "feedback.jsonl", rate_limit_per_minute=0)
    run_ingest(settings, [root / "hr"], groups=["hr"], embedder=embedder)
    run_ingest(settings, [root / "pub"], embedder=embedder)
    return (settings, build_retriever(settings, embedder), doc_id(str(root / "hr" / "pay.md")),
            doc_id(str(root / "pub" / "menu.md")))


def app_for(corpus, **overrides):
    settings = corpus[0].model_copy(update=overrides)
    return create_app(settings, AskPipeline(settings, corpus[1], None))


def client_for(corpus, **overrides) -> TestClient:
    return TestClient(app_for(corpus, **overrides))


def seen(response) -> str:
    """Everything a search response shows of the documents."""
    assert response.status_code == 200, response.text
    return json.dumps(response.json(), ensure_ascii=False)


def feedback_user(client: TestClient, headers: dict | None = None) -> str:
    """Who the app thinks the caller is: the name it writes into the feedback file."""
    marker = secrets.token_hex(8)
    response = client.post("/v1/feedback", json={"rating": "up", "comment": marker}, headers=headers or {})
    assert response.status_code == 201, response.text
    path = client.app.state.settings.feedback_file
    (record,) = [json.loads(line) for line in path.read_text().splitlines() if marker in line]
    return record["user"]


def search(client: TestClient, headers: dict | None = None):
    return client.post("/v1/search", json={"question": "When is pay day?"}, headers=headers or {})



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


@contextmanager
def serving(app):
    """The app on the same uvicorn server `perimeter serve` runs, on loopback."""
    port = free_port()
    server = api_server(app, "127.0.0.1", port)
    server.config.log_level = "warning"
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.integration  # the real embedding model and Chroma
def test_over_real_http_the_tcp_peer_decides_and_x_forwarded_for_cannot_fake_it(corpus):
    alice = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "hr"}
    question = {"question": "When is pay day?"}
    with serving(app_for(corpus, auth_trusted_proxies=["127.0.0.1/32"])) as url:
        assert CANARY in seen(httpx.post(url + "/v1/search", json=question, headers=alice, timeout=30))
    # Only 10.0.0.5 is the proxy; a local caller claiming to be forwarded by it is still 127.0.0.1.
    with serving(app_for(corpus, auth_trusted_proxies=["10.0.0.5/32"])) as url:
        spoof = {**alice, "X-Forwarded-For": "10.0.0.5", "X-Real-IP": "10.0.0.5", "Forwarded": "for=10.0.0.5"}
        response = httpx.post(url + "/v1/search", json=question, headers=spoof, timeout=30)
        assert response.status_code == 401 and CANARY not in response.text


# --- OIDC bearer JWTs -----------------------------------------------------------------------------------------------

class Idp:
    """An identity provider's keys: RSA "rsa-1" and EC "ec-1" published in a JWKS, and an RSA key nobody published."""

    def __init__(self):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        return {"keys": [{**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                         {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"}]}

    def token(self, key=None, kid="rsa-1", alg="RS256", **claims) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-123", "preferred_username": "carol", "iat": now,
                "exp": now + 300, "groups": ["all"]}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or self.rsa, algorithm=alg, headers={"kid": kid})


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    idp = Idp()
    idp.jwks_file = tmp_path_factory.mktemp("idp") / "jwks.json"
    idp.jwks_file.write_text(json.dumps(idp.jwks()))
    return idp


def oidc(idp, jwks=None, **more) -> dict:
    return {"auth_oidc_jwks": jwks or str(idp.jwks_file), "auth_oidc_issuer": ISSUER, "auth_oidc_audience": AUDIENCE,
            **more}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.integration  # the real embedding model and Chroma
def test_valid_jwt_signs_in_with_name_and_groups_rsa_and_ec(corpus, idp):
    client = client_for(corpus, **oidc(idp))
    assert feedback_user(client, bearer(idp.token())) == "carol"
    assert CANARY not in seen(search(client, bearer(idp.token())))
    hr = idp.token(key=idp.ec, kid="ec-1", alg="ES256", groups=["hr"], preferred_username="dave")
    assert CANARY in seen(search(client, bearer(hr)))
    assert feedback_user(client, bearer(hr)) == "dave"


@pytest.mark.parametrize("case", ["bad signature", "unknown key", "wrong issuer", "wrong audience", "expired",
                                  "no expiry", "alg none", "hs256 with the public key", "garbage"])
@pytest.mark.integration  # the real embedding model and Chroma
def test_bad_jwts_are_refused_with_401(corpus, idp, case):
    from cryptography.hazmat.primitives import serialization

    public_pem = idp.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    token = {
        "bad signature": lambda: idp.token(key=idp.stranger, groups=["hr"]),  # claims to be rsa-1
        "unknown key": lambda: idp.token(key=idp.stranger, kid="rsa-9", groups=["hr"]),
        "wrong issuer": lambda: idp.token(iss="https://evil.example/realms/acme", groups=["hr"]),
        "wrong audience": lambda: idp.token(aud="some-other-app", groups=["hr"]),
        "expired": lambda: idp.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200, groups=["hr"]),
        "no expiry": lambda: idp.token(exp=None, groups=["hr"]),
        "alg none": lambda: jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300,
                                        "preferred_username": "x", "groups": ["hr"]}, None, algorithm="none",
                                       headers={"kid": "rsa-1"}),
        "hs256 with the public key": lambda: _hs256_forgery(public_pem),
        "garbage": lambda: "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
    }[case]()
    client = client_for(corpus, **oidc(idp))
    response = search(client, bearer(token))
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert CANARY not in response.text


def _hs256_forgery(public_pem: bytes) -> str:
    """The classic algorithm confusion: an HMAC token keyed with the RSA public key."""
    import base64
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300,
                              "preferred_username": "x", "groups": ["hr"]}).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


@pytest.mark.integration  # the real embedding model and Chroma
def test_groups_and_admin_role_from_a_custom_nested_claim(corpus, idp):
    client = client_for(corpus, **oidc(idp, auth_oidc_groups_claim="realm_access.roles",
                                       auth_oidc_user_claim="email"))
    hr = idp.token(realm_access={"roles": ["hr"]}, groups=None, email="erin@acme.example")
    assert CANARY in seen(search(client, bearer(hr)))
    assert feedback_user(client, bearer(hr)) == "erin@acme.example"
    # The default "groups" claim is not read any more: hr there gives nothing.
    wrong_claim = idp.token(groups=["hr"], realm_access={"roles": ["all"]})
    assert CANARY not in seen(search(client, bearer(wrong_claim)))
    assert client.get("/v1/admin/feedback", headers=bearer(hr)).status_code == 403
    admin = idp.token(realm_access={"roles": ["all", "perimeter-admins"]})
    assert client.get("/v1/admin/feedback", headers=bearer(admin)).status_code == 200


class _JwksHandler(BaseHTTPRequestHandler):
    body = b"{}"
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.integration  # the real embedding model and Chroma
def test_jwks_served_over_http_is_fetched_cached_and_checked(corpus, idp):
    handler = type("Handler", (_JwksHandler,), {"body": json.dumps(idp.jwks()).encode(), "hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/realms/acme/protocol/openid-connect/certs"
        client = client_for(corpus, **oidc(idp, jwks=url))
        assert CANARY in seen(search(client, bearer(idp.token(groups=["hr"]))))
        assert feedback_user(client, bearer(idp.token(preferred_username="frank"))) == "frank"
        assert handler.hits == 1  # cached, not fetched per request
        assert search(client, bearer(idp.token(key=idp.stranger, groups=["hr"]))).status_code == 401
        assert search(client, bearer(idp.token(iss="https://evil.example", groups=["hr"]))).status_code == 401
    finally:
        server.shutdown()
    # The provider unreachable: the token cannot be checked now (503), and nobody gets in.
    client = client_for(corpus, **oidc(idp, jwks=f"http://127.0.0.1:{free_port()}/certs"))
    response = search(client, bearer(idp.token(groups=["hr"])))
    assert response.status_code == 503 and CANARY not in response.text


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
                 ("POST", "/v1/feedback", {"rating": "up"})]


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
        assert demo.request(method, path, json=body).status_code in (200, 201), path
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
    check_security(settings.model_copy(update={"demo_mode": True}))  # a demo on one's own machine may
    check_security(settings.model_copy(update={"admin_token": STRONG}))


def test_startup_refuses_no_sign_in_and_half_configured_oidc(idp):
    with pytest.raises(InsecureSettings) as refused:
        check_security(Settings())
    for name in ("PERIMETER_AUTH_TRUSTED_PROXIES", "PERIMETER_AUTH_OIDC_JWKS", "PERIMETER_AUTH_API_KEYS_FILE",
                 "PERIMETER_DEMO_MODE"):
        assert name in str(refused.value)
    with pytest.raises(InsecureSettings, match="PERIMETER_AUTH_OIDC_AUDIENCE"):
        check_security(Settings(auth_oidc_jwks=str(idp.jwks_file), auth_oidc_issuer=ISSUER))
    with pytest.raises(InsecureSettings, match="PERIMETER_AUTH_OIDC_ALGORITHMS"):
        check_security(Settings(**oidc(idp), auth_oidc_algorithms=["HS256"]))
    with pytest.raises(InsecureSettings, match="PERIMETER_AUTH_OIDC_JWKS"):
        check_security(Settings(**oidc(idp, jwks="/nonexistent/jwks.json")))
    with pytest.raises(InsecureSettings, match="trusts every address"):
        check_security(Settings(auth_trusted_proxies=["0.0.0.0/0"]))
    check_security(Settings(**oidc(idp)))
    assert "anonymous callers get 401" in auth_summary(Settings(**oidc(idp)))


def test_perimeter_serve_refuses_weak_secrets_and_prints_the_demo_identity():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERIMETER_")}
    env.update(PERIMETER_ADMIN_TOKEN="change-me", PERIMETER_AUTH_TRUSTED_PROXIES='["127.0.0.1/32"]')
    done = subprocess.run([sys.executable, "-m", "services.cli", "serve"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "PERIMETER_ADMIN_TOKEN" in done.stderr, done.stderr
    assert "DEMO MODE: no sign-in; every visitor is user 'demo' in groups [all]" in auth_summary(
        Settings(demo_mode=True))
