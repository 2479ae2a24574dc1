/**
 * report.html in a real browser (Debian's Chromium, driven by playwright-core; the browser comes from
 * scripts/setup-system.sh, playwright downloads nothing): a run of a client that sends its signature to
 * another host, opened from disk as a reviewer would. Filtering to failures hides the passing scenarios;
 * expanding a failure shows its sequence diagram with the failing step highlighted and Expected/Actual
 * beside it; the copy button copies the reproduce command; and the page makes no request at all besides
 * loading itself (any other request fails the test). A screenshot is kept in .tmp/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLI } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const CLIENT = '/usr/bin/python3 examples/mutants/mutant.py no-realm-host-check';
/** Two scenarios this mutant fails (F-02, F-03) and two it passes. */
const SCENARIOS = 'registry/golden,F-02,F-03,direct/golden-whoami';
const ARTIFACTS = resolve('.tmp/artifacts');
const SCREENSHOT = join(ARTIFACTS, 'report-failures.png');

// Under the repository's .tmp/ (gitignored), not $TMPDIR, which the suite checks is left clean.
mkdirSync(resolve('.tmp'), { recursive: true });
const scratch = mkdtempSync(resolve('.tmp/browser-report-'));
const reportFile = join(scratch, 'report.html');
const fileUrl = pathToFileURL(reportFile).href;

let browser: Browser;
let page: Page;
/** Every request the page made, and every console error or page error it raised. */
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  const run = spawnSync(process.execPath, [CLI, 'check', '--client', CLIENT, '--scenario', SCENARIOS, '--report-dir', scratch], { encoding: 'utf8', timeout: 60_000 });
  expect({ status: run.status, reports: run.stderr.includes('report.html') }).toEqual({ status: 1, reports: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Anything but the page itself is a failure: the report must be readable offline and leak nothing.
  await context.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
  page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(fileUrl);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('report.html of a failing client, in Chromium', () => {
  test('the verdict comes first, and the failures come before the passing scenarios', async () => {
    await expect(page.locator('header.banner h1').textContent()).resolves.toBe('FAILED');
    const order = await page.locator('details.scenario').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')));
    expect(order).toEqual(['fail', 'fail', 'pass', 'pass']);
  });

  test('filtered to failures, a failure expanded: its diagram, the failing step, Expected and Actual are visible', async () => {
    await page.click('button[data-group-filter="fail"]');
    await expect(page.locator('details.scenario[data-group="pass"]').first().isVisible()).resolves.toBe(false);
    const failures = page.locator('details.scenario[data-group="fail"]');
    await expect(failures.count()).resolves.toBe(2);
    // The first failure is open on arrival; the reader expands the second one.
    const second = failures.nth(1);
    await expect(second.evaluate((d) => (d as unknown as { open: boolean }).open)).resolves.toBe(false);
    await second.locator(':scope > summary').click();
    await expect(second.locator('svg.seq').isVisible()).resolves.toBe(true);
    await expect(second.locator('svg.seq g.step.bad').count()).resolves.toBeGreaterThan(0);
    const finding = second.locator('.finding.fail').first();
    await expect(finding.isVisible()).resolves.toBe(true);
    const text = await finding.innerText();
    expect(text).toMatch(/Expected\s/);
    expect(text).toMatch(/Actual\s/);
    expect(text).toContain('registry/realm/same-host');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  test('the flow filter narrows further; a filter with no match says so', async () => {
    await page.selectOption('#flow-filter', 'direct');
    await expect(page.locator('#no-match').isVisible()).resolves.toBe(true);
    await page.click('button[data-group-filter="all"]');
    await expect(page.locator('details.scenario:visible').count()).resolves.toBe(1);
    await page.selectOption('#flow-filter', 'all');
    await expect(page.locator('details.scenario:visible').count()).resolves.toBe(4);
  });

  test('the copy button copies the reproduce command', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const first = page.locator('details.scenario[data-group="fail"]').first();
    const command = await first.locator('.reproduce code').textContent();
    expect(command).toMatch(/^oac check --client '.*no-realm-host-check' --scenario 'F-0[23]'$/);
    await first.locator('button.copy').click();
    // The label changes when the clipboard's promise settles, a moment after the click: wait for it (5 s at most).
    const said = first.locator('button.copy', { hasText: /^(Copied|Selected: press Ctrl\+C)$/ });
    await said.waitFor({ timeout: 5_000 });
    await expect(said.textContent()).resolves.toMatch(/^(Copied|Selected: press Ctrl\+C)$/);
    // A string: the test's TypeScript has no DOM types; the page evaluates it.
    const copied = await page.evaluate('navigator.clipboard.readText()');
    expect(copied).toBe(command);
  });

  test('the page made no request but loading itself, and raised no error (the CSP allowed its one script)', () => {
    expect(requests).toEqual([fileUrl]);
    expect(problems).toEqual([]);
  });
});
