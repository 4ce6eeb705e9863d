import { text } from 'node:stream/consumers';
import type Provider from 'oidc-provider';
import type { KoaContext } from 'oidc-provider';
import { isLocalUser, LOCAL_USERS } from './local-identities.js';

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The sign-in form: a user name among the local users, any password. */
const signInPage = (uid: string, clientId: string, problem?: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in: local issuer</title>
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;font:inherit}
.problem{color:#a00}code{font-size:.9em}</style></head>
<body><h1>Sign in</h1>
<p>Local OpenID issuer of the Customer service, for <code>${escapeHtml(clientId)}</code>.</p>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="login">User</label><input id="login" name="login" required autofocus>
<label for="password">Password (any)</label><input id="password" name="password" type="password">
<button type="submit">Sign in</button></form>
<p>Users: ${Object.entries(LOCAL_USERS)
  .map(([name, roles]) => `<code>${name}</code> (${roles.join(', ')})`)
  .join('; ')}.</p></body></html>`;

/**
 * The issuer's other pages (sign-out, signed out, errors) in the sign-in page's style:
 * oidc-provider's defaults load a web font from another origin, which nothing local should.
 */
const issuerPage = (title: string, body: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}: local issuer</title>
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.4rem 0;padding:.5rem;font:inherit}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

/** `features.rpInitiatedLogout.logoutSource`: confirm the sign-out (`form` is the provider's). */
export const logoutSource = async (ctx: KoaContext, form: string): Promise<void> => {
  ctx.type = 'html';
  ctx.body = issuerPage(
    'Sign out',
    `<p>Sign out of the local issuer?</p>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
};

/** `features.rpInitiatedLogout.postLogoutSuccessSource`, when no redirect follows. */
export const postLogoutSuccessSource = async (ctx: KoaContext): Promise<void> => {
  ctx.type = 'html';
  ctx.body = issuerPage('Signed out', '<p>You are signed out of the local issuer.</p>');
};

/** `renderError`: the OAuth error and its description, escaped. */
export const renderError = async (ctx: KoaContext, out: Record<string, string>): Promise<void> => {
  ctx.type = 'html';
  ctx.body = issuerPage(
    'Sign-in error',
    Object.entries(out)
      .map(
        ([key, value]) =>
          `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`,
      )
      .join(''),
  );
};

const INTERACTION = /^\/interaction\/([\w-]+)(\/login)?$/;

/**
 * The issuer's one interaction, in place of oidc-provider's development pages: sign in as
 * one of the local users. Consent is never asked: the grant is decided by the user's roles
 * (`loadExistingGrant`), so no prompt but login is ever pending.
 */
export const signInInteraction =
  (provider: Provider) => async (ctx: KoaContext, next: () => Promise<void>) => {
    const match = INTERACTION.exec(ctx.path);
    if (!match) return next();
    const [, uid = '', submitted] = match;
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const clientId = String(details.params.client_id ?? '');
    const show = (status: number, problem?: string) => {
      ctx.status = status;
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('cache-control', 'no-store');
      ctx.body = signInPage(uid, clientId, problem);
    };
    if (details.prompt.name !== 'login') {
      ctx.status = 400;
      ctx.body = `Unexpected prompt "${details.prompt.name}"`;
      return;
    }
    if (!submitted) return show(200);
    if (ctx.method !== 'POST') return show(405);
    const form = new URLSearchParams(await text(ctx.req));
    const login = (form.get('login') ?? '').trim();
    if (!isLocalUser(login)) {
      return show(400, `"${login}" is not a local user: sign in as one of those listed below.`);
    }
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
