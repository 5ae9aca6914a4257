// Browser sign-in (services/web/sign_in.py), shared by the chat and admin pages. It asks GET /auth/session who the
// page is signed in as; with the company's sign-in on and nobody signed in, it sends the browser to /auth/login.
// Signed in by the session cookie, every same-origin request that changes something carries the session's CSRF
// token (X-CSRF-Token): the server refuses such a request without it, so another site cannot make one in our name.
"use strict";
Object.assign(STRINGS.en, { signOut: "Sign out", signIn: "Sign in", signedInAs: "Signed in as {user}",
  signingIn: "Signing in…" });
Object.assign(STRINGS.zh, { signOut: "退出登录", signIn: "登录", signedInAs: "已登录：{user}", signingIn: "正在登录…" });

const SignIn = {
  session: null,  // GET /auth/session's answer
  ready: null,  // a promise of it

  async load() {
    const r = await fetch("/auth/session", { headers: { Accept: "application/json" } });
    this.session = r.ok ? await r.json() : { signed_in: false, sso: false };
    return this.session;
  },

  loginUrl() {
    return `${this.session.login_url}?next=${encodeURIComponent(location.pathname + location.search)}`;
  },

  async signOut() {
    const r = await fetch("/auth/logout", { method: "POST" });
    const body = r.ok ? await r.json() : {};
    // The provider's own sign-out next (it comes back to "/"); otherwise the page asks to sign in again.
    location.assign(body.provider_logout_url || "/");
  },

  // The header shows who is signed in and a Sign out button (a Sign in link in demo mode with SSO on).
  showUser() {
    const nav = document.querySelector("header.top nav");
    if (!nav || !this.session) return;
    const box = el("span", { class: "signed-in", id: "signed-in" });
    if (this.session.signed_in && this.session.via !== "demo") {
      box.append(el("span", { class: "meta", id: "signed-in-user", "data-user": this.session.user,
        text: I18N.t("signedInAs", { user: this.session.user }) }));
    }
    if (this.session.browser_session) {
      box.append(el("button", { type: "button", id: "sign-out", "data-i18n": "signOut", text: I18N.t("signOut"),
        onclick: () => this.signOut() }));
    } else if (this.session.sso && this.session.via === "demo") {
      box.append(el("a", { id: "sign-in", href: this.loginUrl(), "data-i18n": "signIn", text: I18N.t("signIn") }));
    }
    nav.prepend(box);
  },
};

// Same-origin requests that change something carry the CSRF token of the cookie session (none: nothing added).
const plainFetch = window.fetch.bind(window);
window.fetch = (input, init = {}) => {
  const method = (init.method || (input instanceof Request ? input.method : "GET")).toUpperCase();
  const url = new URL(input instanceof Request ? input.url : input, location.href);
  const token = SignIn.session && SignIn.session.csrf_token;
  if (token && url.origin === location.origin && !["GET", "HEAD", "OPTIONS"].includes(method)) {
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    headers.set("X-CSRF-Token", token);
    init = { ...init, headers };
  }
  return plainFetch(input, init);
};

SignIn.ready = SignIn.load().then((session) => {
  if (session.sso && !session.signed_in) {
    document.body && (document.body.dataset.signIn = "redirecting");
    location.assign(SignIn.loginUrl());
    return new Promise(() => {});  // the page is leaving: nothing else runs on it
  }
  return session;
}).catch(() => ({ signed_in: false, sso: false }));

document.addEventListener("DOMContentLoaded", () => { SignIn.ready.then(() => SignIn.showUser()); });
