// The web page in a real browser: starts `movienight serve --port 0` on the real data, drives
// Debian's chromium with puppeteer-core (which downloads no browser), picks two liked titles with
// the autocomplete and a mood, and checks the ten cards; then a title that matches nothing, whose
// suggestions must be clickable. Exit 77 (ctest's skip) when chromium is missing or cannot start.
//   MOVIENIGHT_BINARY    the movienight command
//   MOVIENIGHT_DATASETS  the datasets folder (default: $MOVIENIGHT_SHARED/datasets)
//   CHROMIUM             the browser (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SKIP = 77;
const binary = process.env.MOVIENIGHT_BINARY;
const datasets = process.env.MOVIENIGHT_SHARED ? path.join(process.env.MOVIENIGHT_SHARED, 'datasets')
                                               : process.env.MOVIENIGHT_DATASETS;
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 300_000;  // the first start fits the models

const tmp = mkdtempSync(path.join(os.tmpdir(), 'movienight-page-'));
let server = null;
let browser = null;

function log(message) {
  console.log(`page_test: ${message}`);
}

async function cleanUp() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(tmp, {recursive: true, force: true});
}

async function skip(message) {
  console.log(`SKIP: ${message}`);
  await cleanUp();
  process.exit(SKIP);
}

// Starts the server; resolves with its URL once it prints "listening on http://...".
function startServer() {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--data', datasets, '--port', '0', '--threads', '4'];
    server = spawn(binary, args, {
      env: {...process.env, MOVIENIGHT_CACHE: path.join(tmp, 'cache')},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" line in ${START_TIMEOUT_MS} ms\n${err}`)),
                             START_TIMEOUT_MS);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.stderr.on('data', (chunk) => {
      err += chunk;
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`movienight serve exited with ${code} before listening\n${err}`));
    });
  });
}

// Types into a person's title box, waits for the suggestion and clicks it.
async function pickTitle(page, person, typed, wanted) {
  const root = `#people .person:nth-child(${person})`;
  await page.type(`${root} .like-input`, typed, {delay: 30});
  const option = `${root} .suggestions:not([hidden]) [role="option"]`;
  await page.waitForSelector(option, {timeout: 10_000});
  const titles = await page.$$eval(option, (els) => els.map((e) => e.querySelector('.option-title').textContent));
  const index = titles.indexOf(wanted);
  assert.ok(index >= 0, `"${wanted}" not among the suggestions for "${typed}": ${titles.join(' | ')}`);
  const options = await page.$$(option);
  await options[index].click();
  const chips = await page.$$eval(`${root} .likes .chip span`, (els) => els.map((e) => e.textContent));
  assert.deepEqual(chips, [wanted], `person ${person}'s liked titles`);
}

async function cards(page) {
  return page.$$eval('#results .card', (els) => els.map((card) => ({
    title: card.querySelector('.card-title')?.textContent ?? '',
    why: [...card.querySelectorAll('.why li')].map((li) => li.textContent),
    ranks: card.querySelector('.ranks')?.textContent ?? '',
    snack: card.querySelector('.snack-name')?.textContent ?? '',
    minutes: Number((card.querySelector('.minutes')?.textContent ?? '').replace(/\D+/g, '')),
    summary: card.querySelector('.snack-summary')?.textContent ?? '',
  })));
}

async function main() {
  assert.ok(binary && existsSync(binary), `MOVIENIGHT_BINARY (${binary}) is not the movienight command`);
  assert.ok(datasets && existsSync(path.join(datasets, 'ml-latest-small')),
            `no ml-latest-small under MOVIENIGHT_DATASETS (${datasets})`);
  if (!existsSync(chromium)) await skip(`chromium not found at ${chromium} (scripts/install-deps.sh installs it)`);

  let puppeteer;
  try {
    puppeteer = (await import('puppeteer-core')).default;
  } catch (e) {
    throw new Error(`puppeteer-core is not installed next to this script (npm ci): ${e.message}`);
  }

  const url = await startServer();
  log(`server at ${url}`);

  try {
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      userDataDir: path.join(tmp, 'profile'),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
             '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
  } catch (e) {
    await skip(`chromium cannot start here: ${e.message.split('\n')[0]}`);
  }

  const page = await browser.newPage();
  await page.setViewport({width: 360, height: 780});  // a small phone
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  let expectedStatus = 0;  // the one failing answer a step provokes on purpose
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectedStatus && m.text().includes(`status of ${expectedStatus} `)) return;
    problems.push(`console error: ${m.text()}`);
  });
  // The page loads nothing from elsewhere (no CDN, no fonts).
  page.on('request', (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`);
  });

  // 1. Two people by liked titles, a mood, ten cards.
  await page.goto(url, {waitUntil: 'load'});
  assert.equal(await page.title(), 'movienight');
  const unlabelled = await page.$$eval('input', (els) => els.filter((e) => e.labels.length === 0 &&
                                                                          !e.getAttribute('aria-label')).length);
  assert.equal(unlabelled, 0, 'every input has a label');

  await pickTitle(page, 1, 'toy sto', 'Toy Story (1995)');
  await pickTitle(page, 2, 'heat', 'Heat (1995)');
  await page.click('#mood-chips button.mood-chip:nth-child(1)');  // "cozy"
  assert.equal(await page.$eval('#mood', (e) => e.value), 'cozy');
  await page.click('#submit');
  await page.waitForFunction(() => document.querySelectorAll('#results .card').length === 10, {timeout: 120_000});
  const got = await cards(page);
  assert.equal(got.length, 10);
  for (const card of got) {
    assert.ok(card.title.length > 0, 'a card without a title');
    assert.ok(card.why.length > 0 && card.why.every((w) => w.length > 0), `no reasons on ${card.title}`);
    assert.ok(card.snack.length > 0, `no snack on ${card.title}`);
    assert.ok(card.minutes > 0 && card.minutes <= 25, `snack of ${card.minutes} min on ${card.title}`);
    assert.ok(card.summary.length > 0, `no snack summary on ${card.title}`);
    assert.match(card.ranks, /person 1 #\d+ · person 2 #\d+/i, `ranks on ${card.title}: ${card.ranks}`);
  }
  assert.ok(!got.some((c) => c.title === 'Toy Story (1995)' || c.title === 'Heat (1995)'), 'a liked title came back');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width} px wide at a 360 px viewport`);
  log(`ten cards: ${got.map((c) => c.title).join('; ')}`);
  assert.deepEqual(problems, [], 'no errors in the page and no requests elsewhere');

  // 2. A title that matches nothing: suggestions are shown, and clicking one plans the night.
  expectedStatus = 422;
  await page.goto(url, {waitUntil: 'load'});
  await page.type('#people .person:nth-child(1) .like-input', 'xqzvbnm plkjh');
  await page.keyboard.press('Enter');
  await page.click('#submit');
  await page.waitForSelector('#error:not([hidden]) .did-you-mean button', {timeout: 30_000});
  const error = await page.$eval('#error', (e) => e.textContent);
  assert.match(error, /xqzvbnm plkjh/, 'the error names the title');
  const suggestions = await page.$$eval('#error .did-you-mean button', (els) => els.map((e) => e.textContent));
  assert.ok(suggestions.length > 0);
  await page.click('#error .did-you-mean button');
  await page.waitForFunction(() => document.querySelectorAll('#results .card').length === 10, {timeout: 120_000});
  const chips = await page.$$eval('#people .person:nth-child(1) .likes .chip span', (els) => els.map((e) => e.textContent));
  assert.deepEqual(chips, [suggestions[0]], 'the suggestion replaced the typed title');
  assert.equal(await page.$eval('#error', (e) => e.hidden), true, 'the error is gone');
  log(`suggestions for a nonsense title: ${suggestions.join('; ')}`);

  assert.deepEqual(problems, [], 'no errors in the page and no requests elsewhere');

  // 3. SIGTERM stops the server cleanly.
  await browser.close();
  browser = null;
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({code, signal})));
  server.kill('SIGTERM');
  const {code, signal} = await exited;
  assert.equal(code, 0, `movienight serve ended with code ${code}, signal ${signal} after SIGTERM`);
}

const deadline = setTimeout(() => {
  console.error('page_test: FAILED: took longer than 10 minutes');
  cleanUp().finally(() => process.exit(1));
}, 600_000);

main().then(async () => {
  clearTimeout(deadline);
  await cleanUp();
  log('passed');
  process.exit(0);
}, async (e) => {
  clearTimeout(deadline);
  console.error(`page_test: FAILED: ${e.stack || e.message}`);
  await cleanUp();
  process.exit(1);
});
