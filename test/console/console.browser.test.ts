import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineHealth } from '../../src/app/operations/pipeline-health.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { type LocalConsole, startLocalConsole } from '../../src/local/local-console.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { requestJson } from '../support/json-requests.js';
import { type OpenApiDocument, openApiRequestValidator } from '../support/openapi-requests.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';
import { launchWatchedBrowser, type WatchedBrowser } from './browser.js';

/** Views and pages follow the store asynchronously; on a busy machine that takes seconds. */
const POLL = { timeout: 10_000 };

/** With `CONSOLE_SCREENSHOTS=<folder>`, each page is also saved there (docs/console.md). */
const SHOTS = process.env.CONSOLE_SCREENSHOTS;
const WIDE = 1400;
const NARROW = 400;

/**
 * The console in a real browser against the whole local service: API, event store, stream,
 * bus, queue, projector and read model, as `npm start` runs them.
 */
describe('operator console in Chromium', () => {
  const config = configWithOwnTables();
  let runtime: LocalRuntime;
  let operator: LocalConsole;
  let server: RunningHttpServer;
  let watched: WatchedBrowser;
  let sqs: SQSClient;
  const tag = randomUUID().slice(0, 8);
  /** Every line the service logs during the clicks, to look for PII in. */
  const logLines: string[] = [];
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    logLines.push(
      JSON.stringify({ level, message, extra }, (_k, v) => (v instanceof Error ? v.message : v)),
    );
  const recordingLogger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const email = `grace.${tag}@example.com`;
  let customerId = '';

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      config,
      dynamodb: localClientConfig(inject('dynamoEndpoint')),
      drainTimeoutMs: 0,
      logger: recordingLogger,
    });
    operator = await startLocalConsole(runtime);
    server = await serveHttp(
      runtime.service.httpApp({ commands: true, queries: true }, operator.extras),
      { port: 0 },
    );
    watched = await launchWatchedBrowser(server.url);
    sqs = new SQSClient(runtime.sqs.clientConfig);
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await watched?.close();
    sqs?.destroy();
    await server?.close();
    await operator?.close();
    await runtime?.stop();
    await dropTables(config);
  });
  afterEach(() => {
    expect(watched.problems).toEqual([]);
    expect(watched.escaped).toEqual([]);
  });

  const shoot = async (page: Page, name: string, fullPage = true) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  };
  const api = (method: string, path: string, body?: unknown) =>
    requestJson(`${server.url}${path}`, method, body);
  const timelineTypes = (page: Page) => page.locator('.timeline .event-type').allTextContents();

  it('1: a customer registered through the API is found by email prefix and opened', async () => {
    const registered = await api('POST', '/customers', { email, name: 'Grace Hopper' });
    expect(registered.status).toBe(201);
    customerId = registered.body.customerId as string;
    // A second one that the prefix must not find.
    await api('POST', '/customers', { email: `ada.${tag}@example.com`, name: 'Ada Lovelace' });
    expect((await api('GET', `/customers/${customerId}?minVersion=1`)).status).toBe(200);
    await runtime.waitUntilIdle();
    // The health the page charts: both commands counted, both records published and projected.
    const health = (await api('GET', '/ops/health')).body as unknown as PipelineHealth;
    const points = health.activity.points;
    expect(points.reduce((sum, p) => sum + p.commands, 0)).toBe(2);
    expect(points.some((p) => p.projectionLagMs !== undefined)).toBe(true);
    expect(health.stream.recordsPublished).toBeGreaterThanOrEqual(2);
    expect(health.stream.lastSequenceNumber).toEqual(expect.any(String));
    expect(health.deadLetterQueue).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    const page = await watched.newPage(WIDE);
    const answer = await page.goto('/console');
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");
    const search = (label: string) => page.getByLabel(label, { exact: true });
    await search('Email starts with').fill(`grace.${tag}`);
    await search('Email starts with').press('Enter');
    // The first page lists every active customer; the search narrows it to one.
    await expect.poll(() => page.locator('table.list tbody tr').count(), POLL).toBe(1);
    // An exact address finds the same customer, and only them.
    await page.getByLabel('Search by').selectOption('exact');
    await search('Exact email').fill(email.toUpperCase());
    await search('Exact email').press('Enter');
    await expect.poll(() => page.locator('table.list tbody tr').count(), POLL).toBe(1);
    const link = page.getByRole('link', { name: 'Grace Hopper' });
    await link.waitFor();
    await page.locator('.figures dd').first().waitFor();
    await shoot(page, 'customers');

    await link.click();
    await page.waitForURL(`**/console/customers/${customerId}`);
    await page.locator('.timeline .event').first().waitFor();
    expect(await timelineTypes(page)).toEqual(['CustomerRegistered']);
    expect(await page.locator('.timeline .stream-type').allTextContents()).toEqual(['Customer']);
    const payload = await page.locator('.timeline .payload').first().textContent();
    expect(payload).toContain(email);
    expect(payload).toContain('Grace Hopper');
    await page.locator('.finding.ok').waitFor();
    await page.close();
  });

  it('2: suspending with a reason code grows the timeline, from the keyboard', async () => {
    const page = await watched.newPage(NARROW);
    await page.goto(`/console/customers/${customerId}`);
    await page.locator('.timeline .event').first().waitFor();
    await page.getByLabel('Reason code').selectOption('CHARGEBACK');
    await page.getByLabel('Note (optional)').fill('disputed card payment');
    await page.getByRole('button', { name: 'Suspend', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Suspended: now at version 2').waitFor();
    await expect
      .poll(() => timelineTypes(page), POLL)
      .toEqual(['CustomerRegistered', 'CustomerSuspended']);
    const suspended = await page.locator('.timeline .event').nth(1).textContent();
    expect(suspended).toContain('CHARGEBACK');
    expect(suspended).toContain('disputed card payment');
    await page.locator('.badge.suspended', { hasText: 'SUSPENDED' }).first().waitFor();
    // Nothing sticks out of a 400 px screen.
    const overflow = await page.evaluate('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(NARROW);
    await shoot(page, 'customer-narrow');
    await page.setViewportSize({ width: WIDE, height: 900 });
    await page.locator('.finding.ok').waitFor();
    await shoot(page, 'customer');

    // The list's status filter finds the customer among the suspended only.
    await page.goto('/console');
    await page.getByLabel('Status').selectOption('SUSPENDED');
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    await expect.poll(() => page.locator('table.list tbody tr').count(), POLL).toBe(1);
    await page.close();
  });

  it('3: forgetting the customer marks the PII in the history as forgotten', async () => {
    const page = await watched.newPage(WIDE);
    await page.goto(`/console/customers/${customerId}`);
    await page.locator('.timeline .event').first().waitFor();
    await page.getByRole('button', { name: 'Forget…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Forget this customer?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Forget customer' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('I understand this cannot be undone').check();
    await confirm.click();
    await page.getByRole('heading', { name: 'Forgotten customer' }).waitFor();
    await expect
      .poll(() => timelineTypes(page), POLL)
      .toEqual(['CustomerRegistered', 'CustomerSuspended', 'CustomerForgotten']);
    const registered = await page.locator('.timeline .event').first().textContent();
    expect(registered).not.toContain(email);
    expect(registered).not.toContain('Grace Hopper');
    expect(await page.locator('.timeline .payload .forgotten').count()).toBeGreaterThanOrEqual(3);
    expect((await api('GET', `/customers/${customerId}`)).status).toBe(410);
    await shoot(page, 'customer-forgotten');
    await page.close();
  });

  it('4: the DLQ page shows a poison message with its diagnosis and redrives one', async () => {
    await runtime.waitUntilIdle();
    const poison = await sqs.send(
      new SendMessageCommand({ QueueUrl: runtime.sqs.dlqUrl, MessageBody: '{"not":"an event"}' }),
    );
    // A notification that failed during an outage: the projector would take it now.
    const healed = await sqs.send(
      new SendMessageCommand({
        QueueUrl: runtime.sqs.dlqUrl,
        MessageBody: JSON.stringify({
          'detail-type': 'CustomerSuspended',
          source: config.EVENT_SOURCE_NAME,
          detail: {
            thin: true,
            aggregateId: customerId,
            version: 2,
            eventType: 'CustomerSuspended',
            eventId: randomUUID(),
          },
        }),
      }),
    );
    const page = await watched.newPage(WIDE);
    await page.goto('/console/dlq');
    await page.getByRole('heading', { name: 'Dead letters (2)' }).waitFor();
    const poisonRow = page.locator('tr', { hasText: poison.MessageId ?? '?' });
    expect(await poisonRow.locator('.error').textContent()).not.toBe('');
    const healedRow = page.locator('tr', { hasText: healed.MessageId ?? '?' });
    expect(await healedRow.textContent()).toContain('the projector would succeed now');
    await shoot(page, 'dlq');

    await healedRow.getByRole('button', { name: /^Redrive message/ }).click();
    await page.getByText('1 message sent back to the projection queue').waitFor();
    await page.getByRole('heading', { name: 'Dead letters (1)' }).waitFor();
    expect(await page.locator('tbody tr', { hasText: poison.MessageId ?? '?' }).count()).toBe(1);
    await page.close();
  });

  it('serves an offline API reference, and every request the pages sent fits the document', async () => {
    const page = await watched.newPage(WIDE);
    await page.goto('/docs');
    await page.getByRole('heading', { name: 'API reference' }).waitFor();
    await page.locator('section.operation').first().waitFor();
    const document = (await api('GET', '/openapi.json')).body as unknown as OpenApiDocument;
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
    expect(await page.locator('section.operation').count()).toBe(operations.length);
    await shoot(page, 'docs', false);
    await page.close();

    const validate = openApiRequestValidator(document);
    const sent = watched.apiRequests;
    expect(sent.map((r) => r.method)).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
    for (const request of sent) {
      expect(validate(request), `${request.method} ${request.url}`).toEqual([]);
      if (request.method !== 'GET') expect(request.headers?.['x-console-request']).toBe('1');
    }
  });

  it('works from the keyboard: a skip link first, every field labelled, every control named', async () => {
    for (const path of ['/console', `/console/customers/${customerId}`, '/console/dlq']) {
      const page = await watched.newPage(WIDE);
      await page.goto(path);
      await page.locator('main h2').first().waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement.id')).toBe('main');
      // A field without a label, or a button without a name, is unusable with a screen reader.
      const unnamed =
        await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !el.closest('dialog:not([open])'))
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
        .map((el) => el.outerHTML)`);
      expect(unnamed, path).toEqual([]);
      // And at 400 px nothing sticks out sideways.
      await page.setViewportSize({ width: NARROW, height: 900 });
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(
        NARROW,
      );
      // A status badge is one word on one line, however narrow its cell.
      const brokenBadges = await page.evaluate(`[...document.querySelectorAll('.badge')]
        .filter((badge) => {
          const text = document.createRange();
          text.selectNodeContents(badge);
          return text.getClientRects().length > 1;
        })
        .map((badge) => badge.textContent)`);
      expect(brokenBadges, path).toEqual([]);
      if (path === '/console') {
        // The charts follow their column, not the width they were drawn at.
        await expect
          .poll(
            () =>
              page.evaluate(
                'Math.max(...[...document.querySelectorAll("canvas")].map((c) => c.getBoundingClientRect().width))',
              ),
            POLL,
          )
          .toBeLessThanOrEqual(NARROW);
        await shoot(page, 'customers-narrow');
      }
      await page.close();
    }
  });

  it('logged no name, email or note of what the console showed and changed', () => {
    expect(logLines.length).toBeGreaterThan(10);
    const pii = [email, 'Grace Hopper', `ada.${tag}`, 'Ada Lovelace', 'disputed card payment'];
    for (const value of pii) {
      expect(logLines.filter((line) => line.includes(value))).toEqual([]);
    }
  });

  it('refuses a browser write without the console header, and serves curl as before', async () => {
    const page = await watched.newPage(WIDE);
    await page.goto('/console');
    const status = await page.evaluate(async (id) => {
      const response = await fetch(`/customers/${id}/reactivate`, { method: 'POST' });
      return response.status;
    }, customerId);
    expect(status).toBe(403);
    await page.close();
    const other = await api('POST', '/customers', { email: `curl.${tag}@example.com`, name: 'C' });
    expect(other.status).toBe(201);
  });
});
