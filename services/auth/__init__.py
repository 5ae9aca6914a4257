"""Who is calling: trusted reverse-proxy headers, OIDC bearer JWTs, service-account API keys (and the admin token),
or — only in demo mode — the anonymous demo user. Knows nothing of HTTP frameworks: it reads header pairs and the
peer's address; services/api/deps.py turns its errors into 401/503 responses.

- proxy.py     X-Forwarded-User / X-Forwarded-Groups, trusted only from configured peers
- oidc.py      bearer JWTs checked against a JWKS file or URL (signature, issuer, audience, expiry)
- api_keys.py  service accounts from a YAML file of sha256 digests
- resolve.py   the order they are tried in: one Authenticator per app
- startup.py   check_security: refuse weak secrets and a missing sign-in outside demo mode; what serve prints
"""
from services.auth.errors import InsecureSettings, NotSignedIn, SignInUnavailable
from services.auth.resolve import Authenticator
from services.auth.startup import auth_summary, check_security

__all__ = ["Authenticator", "InsecureSettings", "NotSignedIn", "SignInUnavailable", "auth_summary", "check_security"]
