// A real OpenID provider for the browser sign-in tests (tests/services/web/test_sign_in.py): the certified
// oidc-provider with one static confidential client and two users. Started and stopped by the tests:
//   node provider.mjs PORT REDIRECT_URI POST_LOGOUT_URI CLIENT_SECRET [ACCESS_TOKEN_TTL_S]
// Its login form (oidc-provider's development interactions) takes a user name and any password; consent is given
// for the one client in advance, as a company provider does for its own applications.
import Provider from "oidc-provider";

const [port, redirectUri, postLogoutUri, clientSecret, accessTtl = "600"] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const USERS = {
  alice: { name: "Alice Admin", groups: ["all", "perimeter-admins"] },
  bob: { name: "Bob Employee", groups: ["all"] },
};
const SCOPES = "openid profile groups";

const provider = new Provider(issuer, {
  clients: [{
    client_id: "perimeter",
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  scopes: ["openid", "profile", "groups", "offline_access"],
  claims: { openid: ["sub"], profile: ["preferred_username", "name"], groups: ["groups"] },
  // Unknown users cannot sign in: findAccount knows only the two above.
  async findAccount(ctx, id) {
    const user = USERS[id];
    if (!user) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, preferred_username: id, name: user.name,
                                                   groups: user.groups }) };
  },
  // The groups in the ID token too (not only at userinfo), as Keycloak and Entra ID can be set to do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },  // the client must send a code challenge (S256)
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
  ttl: { AccessToken: Number(accessTtl), IdToken: Number(accessTtl), RefreshToken: 3600, Session: 3600,
         Grant: 3600, Interaction: 600 },
  async loadExistingGrant(ctx) {
    const accountId = ctx.oidc.session.accountId;
    if (!accountId) return undefined;  // not signed in yet: the login prompt comes first
    const grantId = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
    grant.addOIDCScope(SCOPES);
    grant.addOIDCClaims(["preferred_username", "name", "groups"]);
    await grant.save();
    return grant;
  },
  cookies: { keys: ["test-provider-cookie-key-not-a-secret"] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});
provider.listen(Number(port), "127.0.0.1", () => console.log(`oidc-provider ready at ${issuer}`));
