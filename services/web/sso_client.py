"""The company provider's OpenID client for the browser sign-in (services/web/sign_in.py): Authlib's Starlette client,
which runs the code flow with PKCE and checks the ID token. The container keeps one (Authlib caches the provider's
discovery document in it); built here, apart from the routes, so the container does not import them."""
from __future__ import annotations

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from services.settings import Settings


def sso_client(settings: Settings) -> StarletteOAuth2App:
    sso = settings.sso
    oauth = OAuth()
    oauth.register("company", client_id=sso.client_id, client_secret=sso.client_secret_value,
                   server_metadata_url=sso.metadata_url,
                   client_kwargs={"scope": sso.scopes, "code_challenge_method": "S256", "timeout": sso.timeout_s})
    client = oauth.create_client("company")
    if not isinstance(client, StarletteOAuth2App):
        raise TypeError(f"Authlib gave a {type(client).__name__}, not its Starlette OAuth 2 client")
    return client
