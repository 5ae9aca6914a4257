"""Sign-in with OIDC bearer JWTs (services/auth/oidc.py): RSA and EC keys from a JWKS file or URL; signature,
issuer, audience and expiry checked; groups and the admin role from a configurable claim."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from services.auth import InsecureSettings, auth_summary, check_security
from services.settings import Settings
from tests.auth_support import (
    CANARY,
    bearer,
    client_for,
    corpus_fixture,  # noqa: F401  (registers the `corpus` fixture here)
    feedback_user,
    search,
    seen,
)
from tests.conftest import free_port

ISSUER, AUDIENCE = "https://sso.example.internal/realms/acme", "perimeter"

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
