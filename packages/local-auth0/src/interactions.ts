import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { errors, type InteractionDetails } from "oidc-provider";
import { LOCAL_ISSUER } from "./constants";
import { escapeHtml, readParams, sendHtml } from "@tollgate/local-http";
import type { IssuerState } from "./issuer-state";

const STYLE = `body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#111}
h1{font-size:1.5rem}ul{list-style:none;padding:0}li{margin:.5rem 0}
button{font:inherit;padding:.6rem 1rem;width:100%;text-align:left;cursor:pointer;border:1px solid #555;border-radius:6px;background:#fff}
button:focus-visible,input:focus-visible{outline:3px solid #1a56db;outline-offset:2px}
label{display:block;margin:.5rem 0}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
[role=alert]{border:1px solid #b91c1c;color:#b91c1c;padding:.5rem;border-radius:6px}
.muted{color:#444;font-size:.9rem}.secondary{background:#f3f3f3}`;

function loginPage(options: {
  uid: string;
  clientName: string;
  users: ReadonlyArray<{ email: string; name: string; roles: readonly string[] }>;
  loginHint?: string;
  error?: string;
}): string {
  const action = `/interaction/${encodeURIComponent(options.uid)}`;
  const buttons = options.users
    .map(
      (user) => `<li><form method="post" action="${action}/login">
<input type="hidden" name="email" value="${escapeHtml(user.email)}">
<button type="submit">Continue as ${escapeHtml(user.name)} (${escapeHtml(user.email)})<br>
<span class="muted">Roles: ${user.roles.length ? escapeHtml(user.roles.join(", ")) : "none"}</span></button>
</form></li>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in | Tollgate local issuer</title><style>${STYLE}</style></head>
<body><main>
<h1>Log in to ${escapeHtml(options.clientName)}</h1>
<p class="muted">Local Auth0-compatible issuer for development. Pick a demo user.</p>
${options.error ? `<p role="alert">${escapeHtml(options.error)}</p>` : ""}
<section aria-labelledby="demo-users"><h2 id="demo-users">Demo users</h2><ul>${buttons}</ul></section>
<section aria-labelledby="with-password"><h2 id="with-password">Or with email and password</h2>
<form method="post" action="${action}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.loginHint ?? "")}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p class="muted">Every demo user's password is <code>${escapeHtml(LOCAL_ISSUER.demoPassword)}</code>.</p>
<button type="submit">Log in</button>
</form></section>
<form method="post" action="${action}/abort"><button type="submit" class="secondary">Cancel</button></form>
</main></body></html>`;
}

function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Login error</title><style>${STYLE}</style></head>
<body><main><h1>Login error</h1><p role="alert">${escapeHtml(message)}</p></main></body></html>`;
}

/**
 * The issuer's interaction routes (`/interaction/{uid}`): the login page and its form posts. Consent
 * is granted without asking, as Auth0 does for first-party applications.
 */
export function createInteractionHandler(getProvider: () => Provider, state: IssuerState) {
  async function grantConsent(provider: Provider, details: InteractionDetails): Promise<string> {
    const accountId = details.session?.accountId;
    const clientId = details.params.client_id;
    if (!accountId || typeof clientId !== "string") throw new Error("consent without a session");
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    return grant.save();
  }

  function renderLogin(res: ServerResponse, details: InteractionDetails, error?: string): void {
    const clientId = details.params.client_id;
    const client = typeof clientId === "string" ? state.clients.get(clientId) : undefined;
    const loginHint = details.params.login_hint;
    sendHtml(
      res,
      error ? 401 : 200,
      loginPage({
        uid: details.uid,
        clientName: client?.name ?? "the application",
        users: [...state.users.values()],
        loginHint: typeof loginHint === "string" ? loginHint : undefined,
        error,
      }),
    );
  }

  return async function handleInteraction(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(url.pathname);
    const provider = getProvider();
    const uid = match?.[1];
    const action = match?.[2];
    if (!uid || (action === undefined) !== (req.method === "GET")) {
      sendHtml(res, 404, errorPage("Not found."));
      return;
    }
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof errors.SessionNotFound) {
        sendHtml(
          res,
          400,
          errorPage("This login attempt has expired. Go back to the application and try again."),
        );
        return;
      }
      throw error;
    }
    if (details.uid !== uid) {
      sendHtml(res, 400, errorPage("This login attempt does not match your browser session."));
      return;
    }

    if (action === undefined) {
      if (details.prompt.name === "consent") {
        const grantId = await grantConsent(provider, details);
        await provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        return;
      }
      renderLogin(res, details);
      return;
    }

    if (action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User aborted interaction" },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    const form = await readParams(req);
    const user = state.findUserByEmail(form.email ?? "");
    // The per-user buttons send no password; the email form must send the demo password.
    if (!user || ("password" in form && form.password !== LOCAL_ISSUER.demoPassword)) {
      renderLogin(res, details, "Wrong email or password.");
      return;
    }
    state.recordLogin(user.user_id);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.user_id } },
      { mergeWithLastSubmission: false },
    );
  };
}
