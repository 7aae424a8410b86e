/// <reference lib="dom" />
// (the functions handed to page.evaluate run in the browser)
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TOKEN_PROTOCOL_PREFIX, VIEW_PROTOCOL } from '../../core/vote/dashboard-view.ts';
import { eventually, within } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { INTERVAL_MS, lineTimeMs, ready, READY_MS, startVigil, STOP_MS, type Run } from '../helpers/vigil-start.ts';

const ROOT = join(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
/** Where CI keeps what the run wrote (.ci/run archives test-results/); gitignored. */
export const SHOTS = join(ROOT, 'test-results/dashboard');
const FLAP_MS = 5000;
/** A page waiting for a flip: generous; the assertion on how soon it came is separate. */
const FLIP_WAIT_MS = FLAP_MS * 3;
const PAGE_MS = 15_000;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const why = existsSync(CHROMIUM) ? null : `Debian's chromium is not installed at ${CHROMIUM} (infra/install-test-deps.sh installs it)`;

/** The time of day (UTC, ms) as vigil start's log prints it, to compare a page's moment with a log line's. */
const timeOfDayMs = () => Date.now() % 86_400_000;

describe.skipIf(!!why)(skipTitle("the dashboard in Debian's Chromium, against npm start's system", why), () => {
  let run: Run;
  let browser: Browser;
  /** The link vigil start printed: a one-time code. */
  let printed: string;
  /** The same page signed in with the run's long-lived viewer token (from its tokens file), for every test after the first. */
  let link: string;
  let base: string;
  let flappingPort: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    run = startVigil(['--flap-ms', String(FLAP_MS)]);
    await ready(run);
    printed = /dashboard (http:\/\/127\.0\.0\.1:\d+\/#\S+)/.exec(run.d.output())?.[1] ?? '';
    expect(printed, `vigil start printed no dashboard link:\n${run.d.output()}`).toMatch(/#cluster=local&code=vgl_viewer_/);
    base = printed.slice(0, printed.indexOf('/#'));
    const tokensFile = /tokens for curl \(this run only\): (\S+)/.exec(run.d.output())![1]!;
    link = `${base}/#cluster=local&token=${(JSON.parse(readFileSync(tokensFile, 'utf8')) as { viewer: string }).viewer}`;
    flappingPort = /backend b \(flapping\): http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(run.d.output())![1]!;
    // launch() gives each run a fresh temporary profile (user-data dir) of its own, removed at close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, READY_MS + 30_000);

  afterAll(async () => {
    await browser?.close();
    if (run) {
      run.d.signal('SIGINT');
      await within('vigil start to stop after SIGINT', run.d.exited, STOP_MS);
    }
  }, STOP_MS + 10_000);

  /** A page with CSP violations and page errors recorded from before its first script runs. */
  async function openPage(url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP blocked ${e.blockedURI} (${e.violatedDirective})`)));
    await page.goto(url, { timeout: PAGE_MS });
    return { page, problems };
  }

  const verdictOf = (page: Page, port: string) => page.locator(`tr[data-rs$="|127.0.0.1:${port}"] td.verdict [data-state]`).getAttribute('data-state', { timeout: PAGE_MS });

  /** Waits for the row's verdict badge to read `state`; returns the time of day it did. */
  async function pageShows(page: Page, port: string, state: 'up' | 'down'): Promise<number> {
    await page.waitForFunction(([p, s]) => document.querySelector(`tr[data-rs$="|127.0.0.1:${p}"] td.verdict [data-state]`)?.getAttribute('data-state') === s, [port, state] as const, { timeout: FLIP_WAIT_MS, polling: 50 }).catch((err: Error) => {
      throw new Error(`the page never showed 127.0.0.1:${port} ${state} within ${FLIP_WAIT_MS} ms: ${err.message}`);
    });
    return timeOfDayMs();
  }

  /** The next `vigil start` line matching `re` after `from` characters of its output, and where it ends. */
  async function nextLine(what: string, re: RegExp, from: number): Promise<{ line: string; end: number }> {
    return eventually(
      what,
      () => {
        const rest = run.d.output().slice(from);
        const m = new RegExp(`^.*${re.source}.*$`, 'm').exec(rest);
        return m ? { line: m[0], end: from + m.index + m[0].length } : undefined;
      },
      { timeoutMs: FLIP_WAIT_MS, detail: () => run.d.output().slice(-2000) },
    );
  }

  it('signs in from the printed link: the code leaves the address bar, a session lands in sessionStorage, and every real server and vantage point is shown', async () => {
    const { page, problems } = await openPage(printed);
    await page.locator('#board').waitFor({ state: 'visible', timeout: PAGE_MS });
    expect(page.url()).toBe(`${base}/`);
    const stored = await page.evaluate(() => sessionStorage.getItem('vigil.viewer'));
    expect(stored).toContain('vgs_');
    expect(stored).not.toContain('vgl_viewer_');
    await eventually('three real servers in the matrix', async () => (await page.locator('#matrix tbody tr').count()) === 3, { timeoutMs: PAGE_MS });
    expect(await page.locator('#matrix thead th').allTextContents()).toEqual(['Real server', 'Verdict', 'dc1', 'dc2', 'dc3']);
    await expect.poll(() => page.locator('#fact-snapshot').textContent(), { timeout: PAGE_MS }).toMatch(/^#\d+, issued \d+ s ago, expires in \d+ s$/);
    expect(await page.locator('#fact-config').textContent()).toMatch(/^version 1 \(keepalived, "1-[0-9a-f]+"\)/);
    expect(await page.locator('#warnings').textContent()).toBe('none');
    expect(await page.locator('#virtual-servers tbody th').first().textContent()).toContain('tcp/127.0.0.1:8080');
    expect(await page.locator('#status').textContent()).toBe('live: cluster local');
    expect(problems).toEqual([]);
    // The link's entry was replaced, not added to: going back leaves the page, and forward returns without the token.
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    await page.goForward();
    expect(page.url()).toBe(`${base}/`);
    await page.context().close();
  });

  it('refuses the printed link a second time, in a fresh browser, saying to open a new one', async () => {
    const { page, problems } = await openPage(printed);
    await expect.poll(() => page.locator('#sign-in-error').textContent(), { timeout: PAGE_MS }).toBe('Session expired: open a new link from npm start.');
    expect(await page.locator('#board').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('vigil.viewer'))).toBeNull();
    expect(page.url()).toBe(`${base}/`);
    // The browser logs the refused POST (401) as a console error; nothing else may go wrong.
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await page.context().close();
  });

  it('the flapping backend turns down and up on the page without a reload, each within two check intervals', async () => {
    const { page, problems } = await openPage(link);
    await page.locator('#board').waitFor({ state: 'visible', timeout: PAGE_MS });
    await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));
    // A start seen up on the page first, so that the down measured next is the next stop's, and the up the start after it.
    const stopping = new RegExp(`stopping backend b \\(flapping\\) on port ${flappingPort}`);
    const starting = new RegExp(`starting backend b \\(flapping\\) on port ${flappingPort}`);
    const first = await nextLine('vigil start to start the flapping backend', starting, run.d.output().length);
    await pageShows(page, flappingPort, 'up');
    const { line: stopLine, end: stopEnd } = await nextLine('vigil start to stop the flapping backend', stopping, first.end);
    const downAt = await pageShows(page, flappingPort, 'down');
    await page.screenshot({ path: join(SHOTS, 'desktop-backend-down.png'), fullPage: true });
    // What the vantage points said comes with it: at least a quorum (2) of them saw the connection refused.
    const said = await page.locator(`tr[data-rs$="|127.0.0.1:${flappingPort}"] td[data-vp]`).allTextContents();
    expect(said.filter((t) => /^downconnect_refused, \d+ ms, \d+ s ago$/.test(t)).length, said.join(' | ')).toBeGreaterThanOrEqual(2);
    const { line: startLine } = await nextLine('vigil start to start the flapping backend again', starting, stopEnd);
    const upAt = await pageShows(page, flappingPort, 'up');
    expect(downAt - lineTimeMs(stopLine), `down shown at ${downAt}, backend stopped: ${stopLine}`).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(upAt - lineTimeMs(startLine), `up shown at ${upAt}, backend started: ${startLine}`).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(await page.evaluate(() => [performance.getEntriesByType('navigation').length, (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage])).toEqual([1, true]);
    // Both changes are in the timeline's list, with each vantage point's words.
    const changes = await page.locator(`#changes li[data-key$="|127.0.0.1:${flappingPort}"]`).allTextContents();
    expect(changes.some((t) => /up → down.*dc\d: down connect_refused/.test(t)), changes.join('\n')).toBe(true);
    expect(changes.some((t) => /down → up.*dc\d: up ok/.test(t)), changes.join('\n')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'desktop.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, FLIP_WAIT_MS * 5);

  it('refuses a wrong token, and a token of another scope, saying why, and shows nothing of the cluster', async () => {
    const tokensFile = /tokens for curl \(this run only\): (\S+)/.exec(run.d.output())![1]!;
    const shim = (JSON.parse(readFileSync(tokensFile, 'utf8')) as { shim: string }).shim;
    const cases: [string, RegExp][] = [
      [`vgl_viewer_${'A'.repeat(43)}`, /^Refused \(401\): a valid bearer token is required\.$/],
      [shim, /^Refused \(403\): this token's scope \(shim\) does not allow viewer requests\.$/],
    ];
    for (const [token, said] of cases) {
      const { page } = await openPage(`${base}/#cluster=local&token=${token}`);
      await expect.poll(() => page.locator('#sign-in-error').textContent(), { timeout: PAGE_MS }).toMatch(said);
      expect(await page.locator('#board').isHidden()).toBe(true);
      expect(await page.locator('#matrix tbody tr').count()).toBe(0);
      expect(await page.evaluate(() => sessionStorage.getItem('vigil.viewer'))).toBeNull();
      expect(page.url()).toBe(`${base}/`);
      await page.context().close();
    }
    // The viewers' WebSocket refuses it before upgrading, whichever way it is offered.
    const status = (protocols: string[]) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/clusters/local/watch`, protocols);
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => (ws.close(), reject(new Error('the WebSocket opened'))));
        ws.once('error', () => undefined);
      });
    expect(await within('the watch socket to refuse a wrong token', status([VIEW_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}vgl_viewer_${'B'.repeat(43)}`]), PAGE_MS)).toBe(401);
    expect(await within('the watch socket to refuse a shim token', status([VIEW_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${shim}`]), PAGE_MS)).toBe(403);
    expect(await within('the watch socket to refuse no token', status([VIEW_PROTOCOL]), PAGE_MS)).toBe(401);
  }, PAGE_MS * 6);

  it('works at phone width: nothing wider than the screen, every section there', async () => {
    const { page, problems } = await openPage(link, { width: 390, height: 844 });
    await eventually('three real servers in the matrix', async () => (await page.locator('#matrix tbody tr').count()) === 3, { timeoutMs: PAGE_MS });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    for (const id of ['overview', 'virtual-servers', 'matrix', 'timeline', 'leases']) expect(await page.locator(`#${id}`).isVisible(), id).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('axe-core finds no serious or critical accessibility violation, signed in or not', async () => {
    type Violation = { id: string; impact: string | null; help: string; nodes: { target: unknown }[] };
    const scan = async (page: Page) => {
      // page.evaluate runs outside the page's Content-Security-Policy, which forbids injected scripts.
      await page.evaluate(axeSource);
      const v = await page.evaluate(async () => (await (window as unknown as { axe: { run: (c: Document, o: object) => Promise<{ violations: Violation[] }> } }).axe.run(document, { resultTypes: ['violations'] })).violations);
      return v.filter((x) => x.impact === 'serious' || x.impact === 'critical').map((x) => `${x.id} (${x.impact}): ${x.help} at ${JSON.stringify(x.nodes.map((n) => n.target))}`);
    };
    const signedIn = await openPage(link);
    await eventually('three real servers in the matrix', async () => (await signedIn.page.locator('#matrix tbody tr').count()) === 3, { timeoutMs: PAGE_MS });
    expect(await scan(signedIn.page)).toEqual([]);
    await signedIn.page.context().close();
    const signIn = await openPage(`${base}/`);
    await signIn.page.locator('#sign-in').waitFor({ state: 'visible', timeout: PAGE_MS });
    await signIn.page.screenshot({ path: join(SHOTS, 'sign-in.png') });
    expect(await scan(signIn.page)).toEqual([]);
    await signIn.page.context().close();
  });

  it('is usable from the keyboard: Tab reaches the tables and Sign out, Enter signs out', async () => {
    const { page } = await openPage(link);
    await page.locator('#board').waitFor({ state: 'visible', timeout: PAGE_MS });
    const reached: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-labelledby') || document.activeElement?.getAttribute('aria-label') || document.activeElement?.tagName || ''));
    }
    expect(reached).toEqual(expect.arrayContaining(['sign-out', 'vs-title', 'matrix-title', 'Leases', 'Directors']));
    await page.locator('#sign-out').focus();
    await page.keyboard.press('Enter');
    await page.locator('#sign-in').waitFor({ state: 'visible', timeout: PAGE_MS });
    expect(await page.evaluate(() => sessionStorage.getItem('vigil.viewer'))).toBeNull();
    // Focus moves to the sign-in form rather than being lost with the hidden button.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cluster');
    await page.context().close();
  });
});
