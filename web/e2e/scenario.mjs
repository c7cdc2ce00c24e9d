// The user journey of issue 7, against the real mesh at `baseUrl` (with the
// development identity provider), with an axe-core audit of every page it
// visits at desktop and phone widths.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAudit, DESKTOP, PHONE } from './axe.mjs';
import { launch } from './browser.mjs';
import { linkNamed, waitForMessage } from './mail.mjs';
import { startTestSite } from './test-site.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = process.env.LOOKOUT_E2E_ARTIFACTS ?? path.resolve(here, '..', '..', 'tests', 'artifacts', 'web');
/** Long enough for a real scheduler to pick up a "run now" request. */
const CHECK_TIMEOUT_MS = Number(process.env.LOOKOUT_E2E_CHECK_TIMEOUT_MS ?? 60_000);

const page120 = '<h1>Widget</h1><p>Price: 120 EUR</p><p>In stock</p>';
const page90 = '<h1>Widget</h1><p>Price: 90 EUR</p><p>In stock</p>';

export async function runScenario(baseUrl, { log = console.log, mailDir = process.env.LOOKOUT_E2E_MAIL_DIR } = {}) {
  if (!mailDir) throw new Error('LOOKOUT_E2E_MAIL_DIR is not set: run scripts/web-e2e.sh, which points it at the mesh mailbox');
  await mkdir(ARTIFACTS, { recursive: true });
  const site = await startTestSite(page120);
  const browser = await launch();
  const a11y = createAudit({ log });
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const consoleErrors = [];
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('dialog', (dialog) => void dialog.accept());
  const shot = async (name, target = page) => {
    await target.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    log(`  screenshot ${name}.png`);
  };
  /** A screenshot of the page as it is, then axe at both widths. */
  const visit = async (name, target = page, widths = undefined) => {
    await shot(name, target);
    await a11y.audit(target, name, widths);
  };
  const step = (text) => log(`- ${text}`);
  /** The title follows the page once the session is known, a moment after its heading. */
  const assertTitle = async (expected, target = page) => {
    await target.waitForFunction((title) => document.title === title, expected).catch(() => {});
    assert.equal(await target.title(), expected);
  };
  const nav = (name, target = page) => target.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  const email = process.env.LOOKOUT_E2E_EMAIL ?? `e2e-${Date.now()}@example.com`;
  const colleague = `colleague-${Date.now()}@example.com`;
  // Set by scripts/web-e2e.sh, which puts `email` in ADMIN_EMAILS.
  const expectAdmin = process.env.LOOKOUT_E2E_EXPECT_ADMIN === '1';
  const signInAs = async (target, address) => {
    await target.goto('/');
    await target.getByRole('link', { name: 'Sign in with Google' }).click();
    await target.locator('input[name="email"]').fill(address);
    await target.locator('button[name="decision"][value="allow"]').click();
    await target.getByRole('heading', { name: 'Monitors' }).waitFor();
  };

  try {
    step('the sign-in page offers Google');
    await page.goto('/');
    const google = page.getByRole('link', { name: 'Sign in with Google' });
    await google.waitFor();
    await assertTitle('Sign in · Lookout');
    await visit('01-sign-in');

    step(`sign in through the development provider as ${email}`);
    await google.click();
    await page.locator('input[name="email"]').fill(email);
    await page.locator('button[name="decision"][value="allow"]').click();
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    await page.getByText('No monitors yet').waitFor();
    await assertTitle('Monitors · Lookout');
    assert.equal(new URL(page.url()).pathname, '/monitors');
    await visit('02-monitors-empty');

    step('the skip link moves to the content and stays on the page');
    await page.keyboard.press('Tab');
    await page.getByRole('link', { name: 'Skip to content' }).press('Enter');
    await page.getByText('No monitors yet').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Page not found' }).count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');

    step('an unknown address says so, in the title too');
    await page.goto('/no-such-page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await assertTitle('Page not found · Lookout');
    await visit('02b-not-found');

    step('add an email channel');
    await nav('Channels').click();
    // The page has a second form for chat channels; this step uses the first.
    const channelForm = page.locator('form', { has: page.getByRole('heading', { name: 'Add a channel' }) });
    await channelForm.getByLabel('Name').fill('My inbox');
    await channelForm.getByLabel('Email address').fill(email);
    await channelForm.getByRole('button', { name: 'Add channel' }).click();
    await page.locator('.list-item', { hasText: 'My inbox' }).waitFor();

    step('create a monitor and see the preview');
    await nav('Monitors').click();
    await page.getByRole('link', { name: 'New monitor' }).first().click();
    await page.getByLabel('Name').fill('Widget price');
    await page.getByLabel('Page address').fill(site.url);
    await page.getByRole('button', { name: 'Tell me when the price drops below 100 EUR' }).click();
    await page.getByLabel(/My inbox/).check();
    await page.getByTestId('preview-text').filter({ hasText: 'Price: 120 EUR' }).waitFor();
    await visit('03-monitor-form-preview');
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.getByRole('heading', { name: 'Widget price' }).waitFor();

    step('run a first check: the page is recorded, no alert');
    // Enabled only while no check is requested or running.
    const checkNow = page.locator('button:not([disabled])', { hasText: 'Check now' });
    await checkNow.click();
    await page.getByTestId('check-item').filter({ hasText: 'First snapshot' }).waitFor({ timeout: CHECK_TIMEOUT_MS });
    // The scheduler may take the first snapshot on its own before the
    // requested check runs: the page changes only once that one is done too,
    // so the alert is the newest check (the one the page opens).
    await checkNow.waitFor({ timeout: CHECK_TIMEOUT_MS });

    step('change the page and check again: an alert with the diff');
    site.setBody(page90);
    await checkNow.click();
    const alert = page.getByTestId('check-item').filter({ has: page.locator('.badge', { hasText: 'Alert' }) });
    await alert.waitFor({ timeout: CHECK_TIMEOUT_MS });
    const inline = page.getByTestId('diff-inline');
    await inline.locator('td.removed', { hasText: 'Price: 120 EUR' }).waitFor();
    await inline.locator('td.added', { hasText: 'Price: 90 EUR' }).waitFor();
    await visit('04-monitor-detail-alert');
    await page.getByRole('button', { name: 'Side by side' }).click();
    await page.getByTestId('diff-split').locator('td.added', { hasText: 'Price: 90 EUR' }).waitFor();
    await visit('05-diff-side-by-side');

    step('every link of the alert email opens what it names');
    const mail = await waitForMessage(mailDir, (message) => message.headers['x-lookout-check'] && message.html.includes('Widget price'), {
      timeoutMs: CHECK_TIMEOUT_MS,
    });
    const checkLink = linkNamed(mail.html, 'View this check in Lookout');
    const diffLink = linkNamed(mail.html, 'See what changed');
    const channelsLink = linkNamed(mail.html, 'Manage channels');
    assert.ok(checkLink && diffLink && channelsLink, 'the email has a link to the check, to its diff and to the channels');
    assert.ok(mail.text.includes(checkLink) && mail.text.includes(diffLink) && mail.text.includes(channelsLink), 'the text part has the same links');
    assert.match(new URL(checkLink).pathname, /^\/monitors\/[^/]+\/checks\/[^/]+$/);
    await page.goto(checkLink);
    await page.getByRole('heading', { name: 'Check of Widget price', level: 1 }).waitFor();
    await page.getByTestId('check-headline').filter({ hasText: 'Alert' }).waitFor();
    await page.locator('#diff td.added', { hasText: 'Price: 90 EUR' }).waitFor();
    await assertTitle('Check of Widget price · Lookout');
    await visit('05b-check-page');
    await page.goto(diffLink);
    await page.locator('#diff td.added', { hasText: 'Price: 90 EUR' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'diff');
    await page.goto(channelsLink);
    await page.getByRole('heading', { name: 'Channels', level: 1 }).waitFor();
    await page.locator('.list-item', { hasText: 'My inbox' }).waitFor();
    await assertTitle('Channels · Lookout');

    step('the price its checks extract is charted at a glance, with the threshold and the outcomes');
    await nav('Monitors').click();
    await page.getByRole('link', { name: 'Widget price', exact: true }).click();
    await page.getByRole('heading', { name: 'Widget price', level: 1 }).waitFor();
    for (const price of ['110', '85']) {
      site.setBody(`<h1>Widget</h1><p>Price: ${price} EUR</p><p>In stock</p>`);
      await checkNow.click();
      await page.getByTestId('check-item').filter({ hasText: `now ${price},` }).first().waitFor({ timeout: CHECK_TIMEOUT_MS });
      await checkNow.waitFor({ timeout: CHECK_TIMEOUT_MS });
    }
    const glance = page.locator('section.glance');
    // 120 (the first snapshot), 90 (alert), 110, 85 (alert again), and any scheduled check between.
    const chart = glance.getByRole('img', { name: /^Value over \d+ checks: from 120 EUR to 85 EUR, lowest 85 EUR, highest 120 EUR\. Alert below 100 EUR\.$/ });
    await chart.waitFor({ timeout: CHECK_TIMEOUT_MS });
    await glance.locator('.chart-threshold text', { hasText: 'Alert below 100 EUR' }).waitFor();
    assert.ok((await glance.locator('.chart-grid .chart-tick').allTextContents()).every((tick) => tick.endsWith(' EUR')), 'value ticks carry the unit');
    assert.match(await glance.getByRole('img', { name: /^Last \d+ checks:/ }).getAttribute('aria-label'), /2 alerted/);
    await glance.screenshot({ path: path.join(ARTIFACTS, '05c-value-chart.png') });
    log('  screenshot 05c-value-chart.png');
    await a11y.audit(page, '05c-value-chart');
    site.setBody(page90);

    step('the list shows the monitor with its last alert');
    await nav('Monitors').click();
    const row = page.locator('table.monitors tbody tr', { hasText: 'Widget price' });
    await row.waitFor();
    assert.notEqual((await row.locator('td[data-label="Last alert"]').innerText()).trim(), '—');
    await row.getByRole('img', { name: /^Recent checks of Widget price: Last \d+ checks: .*2 alerted/ }).waitFor();
    await row.getByRole('img', { name: 'Values of Widget price: from 120 EUR to 85 EUR; alert below 100 EUR' }).waitFor();
    await visit('06-monitors');

    step('tag a monitor, filter by the tag in the URL, pause and delete in bulk');
    await page.getByRole('link', { name: 'New monitor' }).first().click();
    await page.getByLabel('Name').fill('Gadget stock');
    await page.getByLabel('Page address').fill(`${site.url}?gadget`);
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.getByRole('heading', { name: 'Gadget stock' }).waitFor();
    await nav('Monitors').click();
    const rowOf = (name) => page.locator('table.monitors tbody tr', { hasText: name });
    await rowOf('Gadget stock').waitFor();
    await page.getByText('Manage tags').click();
    await page.getByLabel('New tag').fill('Shops');
    await page.getByLabel('Colour', { exact: true }).fill('#16794a');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.locator('.tag-row', { hasText: 'Shops' }).waitFor();
    await page.getByLabel('Select Widget price').check();
    const bulkBar = page.locator('form.bulk-bar');
    await bulkBar.getByText('1 monitor selected').waitFor();
    await bulkBar.getByLabel('Action').selectOption('add_tag');
    await bulkBar.getByLabel('Tag').selectOption({ label: 'Shops' });
    await bulkBar.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Tagged 1 monitor.' }).waitFor();
    await rowOf('Widget price').locator('.tag-chip', { hasText: 'Shops' }).waitFor();
    const filterBar = page.getByRole('search', { name: 'Filter monitors' });
    await filterBar.getByLabel('Tag').selectOption('Shops');
    await page.waitForURL((url) => url.pathname === '/monitors' && url.searchParams.get('tag') === 'Shops');
    await rowOf('Gadget stock').waitFor({ state: 'detached' });
    await rowOf('Widget price').waitFor();
    // The filter is the URL: a reload (or a shared link) shows the same list.
    await page.reload();
    await rowOf('Widget price').waitFor();
    assert.equal(await rowOf('Gadget stock').count(), 0, 'the tag filter survives a reload');
    assert.equal(await filterBar.getByLabel('Tag').inputValue(), 'Shops');
    await page.getByLabel('Select every monitor shown').check();
    await bulkBar.getByLabel('Action').selectOption('pause');
    await bulkBar.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused 1 monitor.' }).waitFor();
    await rowOf('Widget price').locator('.badge', { hasText: 'Paused' }).waitFor();
    await visit('06b-monitors-filtered-by-tag');
    await page.goto('/monitors?status=paused');
    await rowOf('Widget price').waitFor();
    assert.equal(await rowOf('Gadget stock').count(), 0, 'only paused monitors');
    assert.equal(await filterBar.getByLabel('Status').inputValue(), 'paused');
    await page.getByRole('link', { name: 'Clear filter' }).click();
    await rowOf('Gadget stock').waitFor();
    await page.getByLabel('Select Gadget stock').check();
    await bulkBar.getByLabel('Action').selectOption('delete');
    await bulkBar.getByRole('button', { name: 'Apply' }).click();
    const confirmation = page.getByRole('group', { name: 'Confirm deletion' });
    await confirmation.getByText('Delete 1 monitor and its whole history?').waitFor();
    await visit('06c-bulk-delete-confirmation');
    await confirmation.getByRole('button', { name: 'Delete 1 monitor' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted 1 monitor.' }).waitFor();
    await rowOf('Gadget stock').waitFor({ state: 'detached' });
    await rowOf('Widget price').waitFor();
    step('import a list of URLs: preview, confirm, summary');
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import monitors', level: 1 }).waitFor();
    await page.locator('.loading').first().waitFor({ state: 'detached' });
    const list = `# imported by the UI scenario\n${site.url}/imported-a\n${site.url}/imported-b\n${site.url}/imported-a\nnot a url\n`;
    await page.getByLabel('File').setInputFiles({ name: 'urls.txt', mimeType: 'text/plain', buffer: Buffer.from(list) });
    await page.getByLabel('Format').locator('option', { hasText: 'Detect from the file (List of URLs' }).waitFor({ state: 'attached' });
    // Every progressbar the page shows while the import runs, however briefly.
    await page.evaluate(() => {
      window.progressSeen = [];
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll('[role="progressbar"]')) {
          window.progressSeen.push({ label: bar.getAttribute('aria-label'), value: bar.getAttribute('aria-valuenow'), text: bar.getAttribute('aria-valuetext') });
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const streamed = page.waitForResponse((response) => response.url().includes('/import?') && response.request().method() === 'POST');
    await page.getByRole('button', { name: 'Preview import' }).click();
    const preview = await streamed;
    assert.equal(preview.headers()['content-type'], 'application/x-ndjson', 'the import streams its progress');
    await page.getByRole('heading', { name: 'Preview: nothing is created yet' }).waitFor();
    const progressSeen = await page.evaluate(() => window.progressSeen);
    assert.ok(progressSeen.some((bar) => bar.label === 'Checking urls.txt…'), `a progressbar while the file is checked: ${JSON.stringify(progressSeen)}`);
    assert.equal(await page.getByRole('progressbar').count(), 0, 'gone with the report');
    const summary = page.getByRole('list', { name: 'Import summary' });
    assert.match(await summary.innerText(), /2\s+to create[\s\S]*1\s+skipped[\s\S]*1\s+refused/);
    await visit('06b-import-preview');
    await page.getByRole('button', { name: 'Import 2 monitors' }).click();
    await page.getByText('Imported 2 monitors; 1 skipped, 1 refused.').waitFor();
    await visit('06c-import-done');
    await page.getByRole('link', { name: 'See your monitors' }).click();
    await page.locator('table.monitors tbody tr', { hasText: 'imported-b' }).waitFor();

    step('create an API key, see it once, revoke it');
    await nav('API keys').click();
    await page.getByLabel('Name').fill('Deploy pipeline');
    await page.getByLabel('write').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('secret-value').inputValue();
    assert.match(secret, /^lk_/, 'the new key is shown');
    await page.getByTestId('api-key-row').filter({ hasText: 'Deploy pipeline' }).waitFor();
    await visit('07-api-key-created');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    assert.equal(await page.getByTestId('secret-value').count(), 0, 'the key is not shown again');
    await page.getByRole('button', { name: 'Revoke Deploy pipeline' }).click();
    await page.getByTestId('api-key-row').filter({ hasText: 'Deploy pipeline' }).waitFor({ state: 'detached' });

    step('create a shared team and invite a colleague, who accepts after signing in');
    await nav('Teams').click();
    await page.getByLabel('Team name').fill('Platform');
    await page.getByRole('button', { name: 'Create team' }).click();
    const team = page.locator('article.card', { has: page.getByRole('heading', { name: /Platform/ }) });
    await team.waitFor();
    // The colleague has never signed in: an invitation waits for them all the same.
    await team.getByLabel('Invite by email').fill(colleague);
    await team.getByRole('button', { name: 'Invite' }).click();
    await team.getByTestId('pending-invitation').filter({ hasText: colleague }).waitFor();
    const other = await browser.newContext({ baseURL: baseUrl });
    const colleaguePage = await other.newPage();
    await signInAs(colleaguePage, colleague);
    await colleaguePage.getByTestId('invitations-notice').getByRole('link').click();
    await colleaguePage.getByRole('button', { name: 'Join Platform' }).click();
    await colleaguePage.locator('article.card', { has: colleaguePage.getByRole('heading', { name: /Platform/ }) }).waitFor();
    await visit('09b-colleague-teams', colleaguePage);
    await other.close();
    await page.reload();
    await team.locator('.list-item', { hasText: colleague }).waitFor();
    assert.equal(await team.getByTestId('pending-invitation').count(), 0, 'the accepted invitation is no longer pending');

    step("an owner sets how long the team's history is kept");
    const retention = team.getByTestId('team-retention');
    await retention.getByText('kept for 365 days, with at most 1,000 snapshots per monitor').waitFor();
    await retention.getByLabel('Days kept').fill('90');
    await retention.getByLabel('Snapshots per monitor').fill('');
    await retention.getByRole('button', { name: 'Save' }).click();
    await retention.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await retention.getByText('kept for 90 days, with every snapshot of each monitor').waitFor();

    step('the other pages render');
    for (const [link, heading, name] of [
      ['Channels', 'Channels', '08-channels'],
      ['Teams', 'Teams', '09-teams'],
      ['Sessions', 'Sessions', '10-sessions'],
    ]) {
      await nav(link).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      await visit(name);
    }
    if (expectAdmin) assert.equal(await nav('Admin').count(), 1, 'an admin sees the Admin page');
    if (expectAdmin || (await nav('Admin').count())) {
      step('the admin page shows every service, usage and the audit log');
      await nav('Admin').click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      for (const service of ['browser', 'llm', 'notify']) {
        await page.locator('.list-item', { hasText: service }).getByText(/^(ok|up)$/).waitFor();
      }
      await page.locator('dl.facts dt', { hasText: /^Snapshots$/ }).waitFor();
      for (const action of ['sign_in', 'api_key.created', 'team.invitation_sent', 'team.retention_set']) {
        await page.locator('table.audit tr', { hasText: email }).filter({ hasText: action }).first().waitFor();
      }
      await visit('11-admin');
    }

    step('the monitor list reads on a phone');
    const phone = await context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto('/monitors');
    await phone.locator('table.monitors tbody tr', { hasText: 'Widget price' }).waitFor();
    await visit('12-phone-monitors', phone, [PHONE]);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await visit('13-phone-menu', phone, [PHONE]);
    await phone.close();

    step('sign out');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with Google' }).waitFor();
    await page.goto('/monitors');
    await page.getByRole('link', { name: 'Sign in with Google' }).waitFor();
    await assertTitle('Sign in · Lookout');

    assert.deepEqual(consoleErrors, [], 'no uncaught errors in the page');
    a11y.assertClean();
  } catch (error) {
    await shot('failure').catch(() => {});
    // What axe found before the failure is still worth reading.
    if (a11y.violations.length > 0) log(a11y.report());
    throw error;
  } finally {
    await browser.close();
    await site.close();
  }
}
