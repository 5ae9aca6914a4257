"""Start-up checks and messages. Outside demo mode Perimeter refuses to start with a default or weak secret, or with
no way for anyone to sign in; a broken sign-in configuration (a JWKS or keys file that cannot be read) is refused in
every mode. `perimeter serve` prints auth_summary() so whoever starts it sees who callers will be."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import jwt

from services.auth.api_keys import ApiKeysFileError, load_api_keys
from services.auth.errors import InsecureSettings
from services.identity import DEMO_USER
from services.settings import Settings

MIN_SECRET_CHARS = 24
# Placeholders from examples and tutorials: a secret containing one was never changed.
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "replaceme", "your-secret", "your-token")
# Values that ship as defaults; a secret equal to one of them is no secret.
KNOWN_DEFAULTS = {"secret", "password", "admin", "token", "test", "default", "example", "perimeter", "12345"}
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
DEMO_BANNER = (f"DEMO MODE: no sign-in; every visitor is user '{DEMO_USER.name}' in groups "
               f"[{', '.join(DEMO_USER.groups)}]")


def weak_secret(value: str) -> str | None:
    """Why `value` is not a secret, or None when it may be one."""
    lowered = value.strip().lower()
    if any(p in lowered for p in PLACEHOLDERS):
        return "a placeholder that was never changed"
    if lowered in KNOWN_DEFAULTS:
        return "a well-known default"
    if len(value) < MIN_SECRET_CHARS:
        return f"too short ({len(value)} characters, at least {MIN_SECRET_CHARS})"
    if len(set(value)) < 8:
        return "too repetitive (fewer than 8 different characters)"
    return None


def _configuration_problems(settings: Settings) -> list[str]:
    """Sign-in settings that cannot work, in any mode."""
    problems = []
    if settings.auth.oidc_jwks:
        if not (settings.auth.oidc_issuer and settings.auth.oidc_audience):
            problems.append("OIDC sign-in (PERIMETER_AUTH_OIDC_JWKS) needs PERIMETER_AUTH_OIDC_ISSUER and "
                            "PERIMETER_AUTH_OIDC_AUDIENCE: a token's issuer and audience are always checked")
        symmetric = [a for a in settings.auth.oidc_algorithms if a not in ASYMMETRIC]
        if symmetric or not settings.auth.oidc_algorithms:
            problems.append(f"PERIMETER_AUTH_OIDC_ALGORITHMS may list only public-key algorithms "
                            f"({', '.join(sorted(ASYMMETRIC))}); refused: {symmetric or 'an empty list'}")
        location = settings.auth.oidc_jwks
        if not location.startswith(("http://", "https://")):
            path = Path(location.removeprefix("file://"))
            try:
                jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, jwt.PyJWKSetError, jwt.InvalidKeyError) as exc:
                problems.append(f"PERIMETER_AUTH_OIDC_JWKS: {path} is not a readable JWKS with a usable key ({exc})")
    if settings.auth.api_keys_file:
        try:
            load_api_keys(settings.auth.api_keys_file)
        except ApiKeysFileError as exc:
            problems.append(f"PERIMETER_AUTH_API_KEYS_FILE: {exc}")
    problems += _sso_problems(settings)
    for entry in settings.auth.trusted_proxies:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue  # a literal peer name
        if network.prefixlen == 0 and not settings.auth.demo_mode:
            problems.append(f"PERIMETER_AUTH_TRUSTED_PROXIES: '{entry}' trusts every address, so anyone could name "
                            "themselves in X-Forwarded-User; list only your proxy's addresses")
    return problems


def _sso_problems(settings: Settings) -> list[str]:
    """Browser sign-in that cannot work: half configured, or with no secret to sign its cookie with."""
    sso = settings.sso
    if not (sso.issuer or sso.client_id):
        return []
    if not sso.enabled:
        return ["browser sign-in needs both PERIMETER_SSO_ISSUER and PERIMETER_SSO_CLIENT_ID"]
    problems = []
    try:
        if not sso.client_secret_value:
            problems.append("browser sign-in needs the client's secret: PERIMETER_SSO_CLIENT_SECRET or _FILE")
        if not sso.session_secret_value:
            problems.append(f"browser sign-in needs PERIMETER_SSO_SESSION_SECRET (or _FILE) to sign its cookie: "
                            f"{NEW_SECRET}")
    except ValueError as exc:  # a secret file that cannot be read
        problems.append(str(exc))
    return problems


def _secret_problems(settings: Settings) -> list[str]:
    problems = []
    for env, value in (("PERIMETER_ADMIN_TOKEN", settings.auth.admin_token),
                       ("PERIMETER_SLACK_SIGNING_SECRET", settings.slack.signing_secret),
                       ("PERIMETER_METRICS_TOKEN", settings.operations.metrics_token),
                       ("PERIMETER_SSO_SESSION_SECRET", _readable(settings.sso, "session_secret_value"))):
        why = weak_secret(value) if value is not None else None
        if why:
            problems.append(f"{env} is {why}: set it to a random value ({NEW_SECRET}) or unset it")
    # The Slack bot counts: Slack signs each request and its users map to groups (PERIMETER_SLACK_USERS_FILE).
    if not (settings.auth.trusted_proxies or settings.auth.oidc_jwks or settings.auth.api_keys_file
            or settings.slack.signing_secret or settings.sso.enabled):
        problems.append("no sign-in method is configured, so nobody could use Perimeter: set "
                        "PERIMETER_AUTH_TRUSTED_PROXIES (a reverse proxy's X-Forwarded-User/-Groups), "
                        "PERIMETER_AUTH_OIDC_JWKS (+ _ISSUER, _AUDIENCE) for OIDC bearer tokens, "
                        "PERIMETER_SSO_ISSUER (+ _CLIENT_ID, _CLIENT_SECRET, _SESSION_SECRET) for browser sign-in, or "
                        "PERIMETER_AUTH_API_KEYS_FILE for service accounts; or PERIMETER_DEMO_MODE=1 for a demo "
                        "without sign-in")
    return problems


def _readable(section, secret: str) -> str | None:
    """A secret's value, or None when its file cannot be read (reported by _sso_problems)."""
    try:
        return getattr(section, secret)
    except ValueError:
        return None


def check_security(settings: Settings) -> None:
    """Raises InsecureSettings listing every problem, each naming the environment variable to set."""
    problems = _configuration_problems(settings)
    if not settings.auth.demo_mode:
        problems += _secret_problems(settings)
    if problems:
        raise InsecureSettings("Perimeter refuses to start:\n" + "\n".join(f"  - {p}" for p in problems))


def auth_summary(settings: Settings) -> str:
    """One line per sign-in method that is on (what `perimeter serve` prints)."""
    lines = [DEMO_BANNER] if settings.auth.demo_mode else []
    if settings.auth.trusted_proxies:
        lines.append(f"sign-in: {settings.auth.user_header}/{settings.auth.groups_header} headers trusted from "
                     f"{', '.join(settings.auth.trusted_proxies)}")
    if settings.auth.oidc_jwks:
        lines.append(f"sign-in: OIDC bearer tokens of {settings.auth.oidc_issuer} for audience "
                     f"{settings.auth.oidc_audience} (keys: {settings.auth.oidc_jwks}; groups from claim "
                     f"'{settings.auth.oidc_groups_claim}')")
    if settings.sso.enabled:
        lines.append(f"sign-in: browsers through {settings.sso.issuer} (OpenID Connect, client "
                     f"{settings.sso.client_id}; sessions up to {settings.sso.session_ttl_s} s)")
    if settings.auth.api_keys_file:
        lines.append(f"sign-in: API keys (sha256 digests) from {settings.auth.api_keys_file}")
    if settings.slack.signing_secret:
        lines.append("sign-in: Slack (signed requests; Slack users map to groups via PERIMETER_SLACK_USERS_FILE)")
    if settings.auth.admin_token:
        lines.append("admin: PERIMETER_ADMIN_TOKEN is an admin service account for /v1/admin/*")
    if settings.auth.admin_groups and (settings.auth.trusted_proxies or settings.auth.oidc_jwks
                                       or settings.sso.enabled):
        lines.append(f"admin: members of {', '.join(settings.auth.admin_groups)}")
    if settings.operations.metrics_token or settings.operations.metrics_allow_from or not settings.auth.demo_mode:
        ops = settings.operations
        readers = ["admins"] + (["PERIMETER_METRICS_TOKEN"] if ops.metrics_token else []) + (
            [f"scrapers at {', '.join(ops.metrics_allow_from)}"] if ops.metrics_allow_from else [])
        lines.append(f"operations: /metrics and /readyz's details for {', '.join(readers)}")
    if not settings.auth.demo_mode:
        lines.append("anonymous callers get 401")
    return "\n".join(lines)
