"""The ways sign-in fails, each with the HTTP status and challenge a front door should answer with."""
from __future__ import annotations


class NotSignedIn(Exception):
    """No identity, or a credential that does not check out: 401."""

    status_code = 401

    def __init__(self, reason: str, error: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.error = error  # RFC 6750 error code ("invalid_token") when a credential was given and refused

    @property
    def challenge(self) -> str:
        """The WWW-Authenticate value (RFC 6750)."""
        if self.error is None:
            return 'Bearer realm="perimeter"'
        return f'Bearer realm="perimeter", error="{self.error}"'


class SignInUnavailable(Exception):
    """The credential cannot be checked right now (the identity provider's keys are unreachable): 503."""

    status_code = 503


class InsecureSettings(RuntimeError):
    """Start-up refused: a default or weak secret, or no way to sign in, outside demo mode."""
