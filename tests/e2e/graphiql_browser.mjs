#!/usr/bin/env node
// Drives GraphiQL in Debian's Chromium, offline: every request that is not to the app is
// aborted and recorded. Loads the page, checks that all its assets loaded (their integrity
// hashes held), selects the e-book tab, puts a bearer token in the header editor, runs the
// query and waits for the expected text in the result pane; then saves a screenshot.
//
//   node tests/e2e/graphiql_browser.mjs --url http://127.0.0.1:PORT/graphql --token JWT \
//        --expect "Nguyễn Thị Lan" --screenshot PATH [--chromium /usr/bin/chromium]
//
// Prints one JSON report on stdout:
//   {"ok": bool, "failure": str|null, "blocked": [url…], "assets": {path: status},
//    "consoleErrors": [..], "response": str|null}
// Exits 0 on success, 1 on a failed check, 2 on bad arguments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    expect: { type: 'string' },
    screenshot: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    timeout: { type: 'string', default: '30000' },
  },
});
for (const name of ['url', 'token', 'expect', 'screenshot']) {
  if (!values[name]) {
    process.stderr.write(`--${name} is required\n`);
    process.exit(2);
  }
}
const timeout = Number(values.timeout);
const appOrigin = new URL(values.url).origin;

const report = {
  ok: false,
  failure: null,
  blocked: [],
  assets: {},
  consoleErrors: [],
  response: null,
};

class CheckFailed extends Error {}
function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const profile = mkdtempSync(join(tmpdir(), 'graphiql-profile-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: values.chromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    timeout,
  });
  // Offline: only the app answers; anything else is aborted and recorded.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === appOrigin) return route.continue();
    report.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  page.on('console', (message) => {
    if (message.type() === 'error') report.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => report.consoleErrors.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    const { pathname, origin } = new URL(response.url());
    if (origin === appOrigin && pathname.includes('/graphiql/assets/')) {
      report.assets[pathname] = response.status();
    }
  });

  const loaded = await page.goto(values.url, { waitUntil: 'load' });
  check(loaded && loaded.status() === 200, `GET ${values.url} answered ${loaded?.status()}`);

  // The scripts ran (a failed integrity check leaves their globals undefined) and both style
  // sheets applied.
  const globals = await page.evaluate(() =>
    ['React', 'ReactDOM', 'Cookies', 'GraphiQL', 'GraphiQLPluginExplorer'].filter(
      (name) => typeof window[name] === 'undefined',
    ),
  );
  check(globals.length === 0, `scripts did not run (integrity or load failure): ${globals}`);
  const sheets = await page.evaluate(
    () =>
      [...document.styleSheets].filter((s) => s.href && s.href.includes('/graphiql/assets/'))
        .length,
  );
  check(sheets === 2, `${sheets} of 2 GraphiQL style sheets applied`);

  // The examples are tabs; select the citizen's e-book.
  const tab = page.locator('.graphiql-tab', { hasText: 'MyBook' });
  await tab.click();
  const queryEditor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await queryEditor.waitFor();
  const query = await queryEditor.evaluate((el) => el.CodeMirror.getValue());
  check(/query MyBook/.test(query), 'the MyBook tab does not hold the e-book query');
  check(/fragment EBook on Person/.test(query), 'the e-book query lacks its EBook fragment');

  // The header editor is open on a placeholder that explains the Authorization header.
  const headerEditor = page
    .locator('section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')
    .first();
  await headerEditor.waitFor();
  const placeholder = await headerEditor.evaluate((el) => el.CodeMirror.getValue());
  check(
    placeholder.includes('Authorization') && placeholder.includes('bhxh token'),
    `the header editor starts with ${JSON.stringify(placeholder)}, not the Authorization placeholder`,
  );
  await headerEditor.click();
  await page.keyboard.press('Control+A');
  const headers = JSON.stringify({ Authorization: `Bearer ${values.token}` }, null, 2);
  await page.keyboard.insertText(headers);
  const typed = await headerEditor.evaluate((el) => el.CodeMirror.getValue());
  check(typed === headers, `the header editor holds ${JSON.stringify(typed)}`);

  const answered = page.waitForResponse(
    (r) => r.url().startsWith(values.url) && r.request().method() === 'POST',
  );
  await page.locator('.graphiql-execute-button').click();
  const post = await answered;
  check(post.status() === 200, `POST /graphql answered ${post.status()}: ${await post.text()}`);

  const responsePane = page.locator('.graphiql-response .CodeMirror').first();
  try {
    await page.waitForFunction(
      (text) => document.querySelector('.graphiql-response')?.innerText.includes(text),
      values.expect,
      { timeout },
    );
  } finally {
    report.response = await responsePane.evaluate((el) => el.CodeMirror.getValue()).catch(() => null);
  }
  const body = JSON.parse(report.response);
  check(!body.errors, `the result has errors: ${JSON.stringify(body.errors)}`);
  check(body.data?.me?.fullName === values.expect, `me.fullName is ${body.data?.me?.fullName}`);

  await page.screenshot({ path: values.screenshot });
  check(report.consoleErrors.length === 0, `console errors: ${report.consoleErrors.join(' | ')}`);
  check(report.blocked.length === 0, `requests to other hosts: ${report.blocked.join(', ')}`);
  report.ok = true;
} catch (error) {
  report.failure = error instanceof CheckFailed ? error.message : String(error?.stack ?? error);
  if (context) {
    const page = context.pages()[0];
    if (page) await page.screenshot({ path: values.screenshot }).catch(() => {});
  }
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(report.ok ? 0 : 1);
