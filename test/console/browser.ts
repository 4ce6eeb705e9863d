import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { SentRequest } from '../support/openapi-requests.js';

/** Debian's Chromium, as `.ci/run` installs it; this machine has no network. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface WatchedBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Page errors, console errors (CSP violations among them) and failed requests. */
  problems: string[];
  /** Requests that tried to leave 127.0.0.1; each was aborted. */
  escaped: string[];
  /** What the pages sent to the API (not the console's own files). */
  apiRequests: SentRequest[];
  /** A page in the shared context, or in `context` (from `newContext`). */
  newPage(width: number, context?: BrowserContext): Promise<Page>;
  /** A context of its own (no cookies shared: another user), watched the same way. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

const isConsoleFile = (path: string) =>
  path === '/console' ||
  path === '/docs' ||
  path === '/openapi.json' ||
  path.startsWith('/console/') ||
  path === '/favicon.ico';

/**
 * Chromium with every request watched: anything not for 127.0.0.1 is aborted and noted, and
 * every page error or console error is noted, for the tests to fail on.
 */
export const launchWatchedBrowser = async (origin: string): Promise<WatchedBrowser> => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const problems: string[] = [];
  const escaped: string[] = [];
  const apiRequests: SentRequest[] = [];
  const app = new URL(origin).origin;
  const newContext = async () => {
    const context = await browser.newContext({ baseURL: origin, reducedMotion: 'reduce' });
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname !== '127.0.0.1' && url.protocol !== 'data:') {
        escaped.push(url.href);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    // Only what the pages sent to the service; a sign-in's calls to the issuer are not the API's.
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== app || isConsoleFile(url.pathname)) return;
      const body = request.postData();
      apiRequests.push({
        method: request.method(),
        url: `${url.pathname}${url.search}`,
        headers: request.headers(),
        ...(body === null ? {} : { body }),
      });
    });
    return context;
  };
  const context = await newContext();
  return {
    browser,
    context,
    problems,
    escaped,
    apiRequests,
    newContext,
    async newPage(width, inContext = context) {
      const page = await inContext.newPage();
      await page.setViewportSize({ width, height: 900 });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // An answer like 404 or 410 is the page's to show, and is logged by Chromium; what
        // is left (CSP refusals, exceptions logged by the page) is a problem.
        const text = message.text();
        if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
          problems.push(`console error: ${text}`);
        }
      });
      return page;
    },
    close: () => browser.close(),
  };
};
