// The dashboard in real headless Chromium against the real server and a real
// receiver on 127.0.0.1: sign-in, the live tail, a stream created through the
// form, its deliveries and attempts, failures in the Health tab and the
// disabled state, replay, the API's field errors in the form, admin pages,
// and a key of another tenant that sees none of it.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumTestsEnabled,
  launchChromium,
  screenshot,
  type TestBrowser,
} from '../fixtures/chromium.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

const enabled = chromiumTestsEnabled();
const backends = enabled ? await testBackends() : [];

describe.each(backends)('dashboard in Chromium (%s)', (backend) => {
  let server: TestServer;
  let browser: TestBrowser;
  let rx: Receiver;
  let adminKey: string;
  let api: ReturnType<typeof client>;
  let page: Page;
  let streamId = '';

  beforeAll(async () => {
    server = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
    adminKey = await server.key('acme', true);
    api = client(server.url, adminKey);
    rx = await startReceiver();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rx?.close();
  });

  /** Opens a dashboard page afresh (a goto that only changes the hash would not re-render it). */
  const visit = async (p: Page, hash: string) => {
    await p.goto('about:blank');
    await p.goto(`${server.url}/${hash}`);
  };

  const signIn = async (p: Page, key: string) => {
    await p.goto(`${server.url}/`);
    await p.getByLabel('API key').fill(key);
    await p.getByLabel('API key').press('Enter');
    await p.getByRole('heading', { name: 'Events' }).waitFor();
  };

  it('signs in with an API key (a wrong one is refused) and keeps it out of the URL', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Herald' }).waitFor();
    await screenshot(page, 'sign-in', false);
    await page.getByLabel('API key').fill('sk_herald_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#api-key-error').textContent()).toContain('not valid');
    // Keyboard only: the key field has focus, Enter submits.
    await page.getByLabel('API key').fill(adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(page.url()).not.toContain(adminKey);
    await page.getByRole('link', { name: 'API keys' }).waitFor();
  });

  it('shows an event published through the API in the live tail, with its JSON', async () => {
    await api.post('/events', { event: 'user.created', data: { id: 'u_old' } });
    await visit(page, `#/events`);
    await page.locator('tr[data-event-id]').first().waitFor();
    await page.getByRole('button', { name: 'Start live tail' }).click();
    await page.getByText('Live: new events appear as they commit').waitFor();
    const published = await api.post('/events', {
      event: 'invoice.paid',
      data: { invoice: 'in_42', amount: 1200 },
      organization_id: 'org_7',
    });
    expect(published.status).toBe(201);
    const row = page.locator(`tr[data-event-id="${published.body.id}"]`);
    await row.waitFor();
    // Newest first: the tailed event is on top.
    expect(await page.locator('tr[data-event-id]').first().getAttribute('data-event-id')).toBe(
      published.body.id,
    );
    await row.getByRole('button', { name: `Show JSON of ${published.body.id}` }).click();
    const json = await page.locator('pre').first().textContent();
    expect(JSON.parse(json ?? '')).toEqual(published.body);
    await screenshot(page, 'events');
    await page.getByRole('button', { name: 'Stop live tail' }).click();

    // Filters go to the API: by type, then by an organization nobody used.
    await page.getByLabel('Event types').fill('user.created, user.deleted');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('tr[data-event-id]').count()).toBe(1);
    await page.getByLabel('Organization').fill('org_none');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No events match.').waitFor();
  });

  it('creates a stream through the form and shows its deliveries and attempts', async () => {
    await visit(page, `#/streams/new`);
    await page.getByRole('heading', { name: 'Create Stream' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Billing hook');
    await page.getByLabel('Payload URL').fill(`${rx.url}/billing`);
    await page.getByLabel('Authorization Token').fill('Bearer rx-token-123');
    await page.getByLabel('Content Format').selectOption('json_array');
    await page.getByLabel('Batch size').fill('2');
    await page.getByLabel('Event types').fill('invoice.*');
    await page.getByLabel('Retry schedule').selectOption('custom');
    await page.getByLabel('Retry delays (seconds)').fill('0.2');
    await page.getByLabel('Disable after failed deliveries in a row').fill('2');
    await screenshot(page, 'stream-form');
    await page.getByRole('button', { name: 'Create stream' }).click();
    await page.getByRole('heading', { name: 'Stream created' }).waitFor();
    expect(await page.locator('#new-secret').textContent()).toMatch(/^whsec_/);

    const list = await api.get('/endpoints');
    const ep = list.body.data.find((e: { url: string }) => e.url === `${rx.url}/billing`);
    expect(ep).toMatchObject({
      description: 'Billing hook',
      format: 'json_array',
      batch_size: 2,
      events: ['invoice.*'],
      retry: [0.2],
      disable_after: { failures: 2 },
      authorization_set: true,
    });
    streamId = ep.id;

    const published = await api.post('/events', { event: 'invoice.created', data: { n: 1 } });
    await waitFor(async () => rx.requests.some((r) => r.body.includes(published.body.id)));
    await page.getByRole('link', { name: 'Open the stream' }).click();
    await page.getByRole('link', { name: 'Deliveries' }).click();
    // The receiver saw the request before Herald recorded the answer: refresh until listed.
    await expect
      .poll(
        async () => {
          await page.locator('#deliveries-table[aria-busy="false"]').waitFor();
          const n = await page.locator('tr[data-status="succeeded"]').count();
          if (n === 0) await page.getByRole('button', { name: 'Refresh' }).click();
          return n;
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    const row = page.locator('tr[data-status="succeeded"]').first();
    await row.getByRole('button', { name: 'Attempts' }).click();
    const attempt = page.locator('.attempt').first();
    await attempt.getByText('HTTP 200').waitFor();
    await attempt.getByText('Request headers').click();
    expect(await attempt.textContent()).toContain('[redacted]');
    expect(await page.content()).not.toContain('rx-token-123');
    await screenshot(page, 'deliveries');

    await page.getByRole('button', { name: 'Send test event' }).click();
    await waitFor(async () => rx.requests.some((r) => r.body.includes('herald.test')));
  });

  it('shows failures in the Health tab and the stream disabled, then replays the failed deliveries', async () => {
    rx.respond(() => ({ status: 500, body: 'receiver is down' }));
    const before = rx.requests.length;
    await visit(page, `#/streams/${streamId}/health`);
    await page.locator('[data-stat="state"]').getByText('Active').waitFor();
    // Two deliveries given up (each: one attempt and one retry) disable the stream.
    await api.post('/events', { event: 'invoice.created', data: { n: 2 } });
    await waitFor(async () => rx.requests.length >= before + 2);
    await api.post('/events', { event: 'invoice.created', data: { n: 3 } });
    await page
      .locator('[data-stat="state"]')
      .getByText('Disabled: too many failed deliveries in a row')
      .waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('#attempts-chart rect.failed').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-stat="consecutive-failures"] .value').textContent()).toBe('2');
    expect(await page.locator('#stream-state').textContent()).toContain('Disabled');
    await screenshot(page, 'health');

    // A stream without a disable rule keeps failing, and says so in the list.
    const flaky = await api.post('/endpoints', {
      url: `${rx.url}/flaky`,
      description: 'Audit log',
      events: ['audit.*'],
      retry: [],
      disable_after: { failures: null },
    });
    await api.post('/events', { event: 'audit.read', data: {} });
    await waitFor(
      async () => (await api.get(`/endpoints/${flaky.body.id}`)).body.consecutive_failures === 1,
    );
    await visit(page, `#/streams`);
    await page
      .locator(`tr[data-endpoint-id="${flaky.body.id}"]`)
      .getByText('Failing (1 in a row)')
      .waitFor();
    await page
      .locator(`tr[data-endpoint-id="${streamId}"]`)
      .getByText('Disabled: too many failed deliveries in a row')
      .waitFor();
    await screenshot(page, 'streams');

    // The receiver recovers; enable, then replay only the failed deliveries.
    rx.respond(() => ({ status: 200 }));
    await visit(page, `#/streams/${streamId}/deliveries`);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('#stream-state').getByText('Active').waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await expect.poll(() => page.locator('tr[data-status="failed"]').count()).toBe(2);
    const sent = rx.requests.length;
    await page.getByLabel('Only failed deliveries').check();
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Replay queued 2 deliveries.').waitFor();
    await waitFor(async () => rx.requests.length >= sent + 2, 15_000);
    await page.getByLabel('Status').selectOption('succeeded');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          await page.locator('#deliveries-table[aria-busy="false"]').waitFor();
          return page.locator('tr[data-status="succeeded"]').count();
        },
        { timeout: 15_000 },
      )
      .toBe(4); // the first delivery, the test event and the two replayed
  });

  it('edits a stream in its Settings tab, keeping the Authorization Token unless removed', async () => {
    await visit(page, `#/streams/${streamId}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Billing hook');
    await page.getByLabel('Name', { exact: true }).fill('Billing hook v2');
    await page.getByLabel('Concurrent calls').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Billing hook v2' }).waitFor();
    const ep = (await api.get(`/endpoints/${streamId}`)).body;
    expect(ep).toMatchObject({
      description: 'Billing hook v2',
      max_concurrency: 3,
      batch_size: 2,
      retry: [0.2],
      authorization_set: true,
    });
  });

  it("shows the API's own error next to the field it names", async () => {
    await visit(page, `#/streams/new`);
    await page.getByLabel('Payload URL').fill(`${rx.url}/x`);
    // A rule of the service: the json format sends one event per request.
    await page.getByLabel('Batch size').fill('5');
    await page.getByRole('button', { name: 'Create stream' }).click();
    const batchError = page.locator('#f-batch_size-error');
    await expect.poll(() => batchError.textContent()).toContain('batch_size must be 1');
    expect(await page.getByLabel('Batch size').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'stream-form-error', false);
    // A schema rule, reported with a field path.
    await page.getByLabel('Batch size').fill('1');
    await page.getByLabel('Connect timeout (ms)').fill('5');
    await page.getByRole('button', { name: 'Create stream' }).click();
    await expect
      .poll(() => page.locator('#f-timeout-connect_ms-error').textContent())
      .toContain('timeout.connect_ms');
    expect(await batchError.textContent()).toBe('');
    // An event type the API refuses, reported for its index.
    await page.getByLabel('Connect timeout (ms)').fill('1000');
    await page.getByLabel('Event types').fill('user.created, not a type');
    await page.getByRole('button', { name: 'Create stream' }).click();
    await expect.poll(() => page.locator('#f-events-error').textContent()).toContain('events[1]');
    const count = (await api.get('/endpoints')).body.data.length;
    expect(count).toBe(2);
  });

  it('lets an admin key create (shown once) and revoke API keys', async () => {
    await visit(page, `#/keys`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name').fill('ci-bot');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('#new-key').textContent()) ?? '';
    expect(key).toMatch(/^sk_herald_/);
    expect((await client(server.url, key).get('/events')).status).toBe(200);
    await screenshot(page, 'api-keys');
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: /^Revoke ci-bot/ }).click();
    await waitFor(async () => (await client(server.url, key).get('/events')).status === 401);
    await page.locator('tr', { hasText: 'ci-bot' }).getByText('revoked').waitFor();
  });

  it('shows a key of another tenant none of it, and no keys pages for a non-admin key', async () => {
    const other = await browser.context.newPage();
    try {
      await signIn(other, await server.key('globex'));
      await other.getByText('No events match.').waitFor();
      expect(await other.getByRole('link', { name: 'API keys' }).isVisible()).toBe(false);
      await other.getByRole('link', { name: 'Streams' }).click();
      await other.getByText('No streams yet.').waitFor();
      await visit(other, `#/streams/${streamId}/health`);
      await other.getByText(`no endpoint`, { exact: false }).waitFor();
      await visit(other, `#/keys`);
      await other.getByRole('heading', { name: 'Not found' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('works from the keyboard: Tab reaches the actions, focus is visible, Enter follows', async () => {
    await visit(page, '#/streams');
    await page.getByRole('link', { name: 'Create stream' }).waitFor();
    const focused = () => page.evaluate<string>('document.activeElement?.textContent ?? ""');
    for (let i = 0; i < 15 && (await focused()) !== 'Create stream'; i++) {
      await page.keyboard.press('Tab');
    }
    expect(await focused()).toBe('Create stream');
    expect(
      await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'),
    ).toBe('solid');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Create Stream' }).waitFor();
  });

  it('fits a phone-width screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const hash of ['#/events', '#/streams', `#/streams/${streamId}/health`]) {
        await visit(page, hash);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow, hash).toBeLessThanOrEqual(0);
      }
      await screenshot(page, 'health-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });
});
