import { type Context, Hono } from 'hono';
import type { ConsoleAssets } from './console-assets.js';
import { consoleCsp, consoleHeaders } from './console-security.js';
import {
  CONSOLE_REDIRECT_PATH,
  type ConsoleSignInSettings,
  issuerConnectOrigins,
} from './console-sign-in.js';
import type { HttpEnv } from './request.js';

/** The page shell: the bundle does the rest, and no inline script is needed. */
const shell = (title: string, script: string, style: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/console/assets/${style}">
<script type="module" src="/console/assets/${script}"></script>
</head>
<body>
<div id="app"><noscript>The console needs JavaScript.</noscript></div>
</body>
</html>
`;

/**
 * What anyone may fetch, as API Gateway routes (no authoriser): the console's pages, assets
 * and sign-in settings (`/console/auth.json`, under `/console/{proxy+}`), the API reference
 * and `/openapi.json`. Nothing here holds data; every data route checks its role.
 */
export const PUBLIC_PATHS = ['/console', '/console/{proxy+}', '/docs', '/openapi.json'];

const CONSOLE_PAGE = shell('Customer console', 'console.js', 'console.css');
const DOCS_PAGE = shell('API reference · Customer service', 'docs.js', 'docs.css');

/**
 * `/console` (customers, pipeline), `/console/customers/{id}`, `/console/dlq`, the sign-in's
 * return page and settings, `/docs`, assets. With sign-in on, the console's pages may also
 * `fetch` from the issuer (discovery, token endpoint), and from nowhere else.
 */
export const createConsoleRoutes = (
  assets: ConsoleAssets,
  signIn: ConsoleSignInSettings = { issuer: null },
): Hono<HttpEnv> => {
  const app = new Hono<HttpEnv>();
  const connectOrigins = signIn.issuer ? issuerConnectOrigins(signIn.issuer) : async () => [];
  const consolePage = async (c: Context<HttpEnv>) =>
    c.html(CONSOLE_PAGE, 200, {
      ...consoleHeaders,
      'content-security-policy': consoleCsp(await connectOrigins()),
      'cache-control': 'no-cache',
    });

  app.get('/console', consolePage);
  app.get('/console/dlq', consolePage);
  app.get('/console/customers/:id', consolePage);
  app.get(CONSOLE_REDIRECT_PATH, consolePage);
  app.get('/console/auth.json', (c) =>
    c.json(signIn, 200, { ...consoleHeaders, 'cache-control': 'no-cache' }),
  );
  app.get('/docs', (c) =>
    c.html(DOCS_PAGE, 200, { ...consoleHeaders, 'cache-control': 'no-cache' }),
  );
  app.get('/console/assets/:name', async (c) => {
    const asset = await assets.get(c.req.param('name'));
    if (!asset) {
      return c.json({ error: { code: 'ASSET_NOT_FOUND', message: 'No such console asset' } }, 404);
    }
    return c.body(asset.body, 200, {
      ...consoleHeaders,
      'content-type': asset.contentType,
      'cache-control': 'no-cache',
    });
  });
  return app;
};
