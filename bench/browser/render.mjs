// Time to a rendered leaderboard in headless Chromium (playwright-core, the
// project's pinned npm tool), for the serve benchmark (bench/src/bin/serve.rs):
//
//   node bench/browser/render.mjs <base-url> <task-id> <expected-rows> <loads>
//
// Loads `/tasks/<id>` <loads> times, each in a fresh browser context (no
// cache, no cookies), and prints JSON on stdout: per figure (ms from
// navigation start) the first load, the median and the maximum:
// responseStart (first byte), rows (a MutationObserver installed before the
// page's first byte sees the leaderboard's <expected-rows> rows in the DOM),
// domContentLoaded, load, and wall (page.goto to the rows found, on the
// driver's clock). Exits non-zero when the rows never appear.
import { createRequire } from "node:module";

const require = createRequire(new URL("../../tools/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, task, expectedRows, loadsArg] = process.argv.slice(2);
const expected = Number(expectedRows);
const loads = Number(loadsArg || 10);

const browser = await chromium.launch({
  executablePath: process.env.ZKMLTRACK_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
});
const version = browser.version();
const figures = { responseStart: [], rows: [], domContentLoaded: [], load: [], wall: [] };
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    await page.addInitScript((want) => {
      const seen = () => document.querySelectorAll("table.leaderboard td.accuracy").length >= want;
      const observer = new MutationObserver(() => {
        if (window.__rowsAt === undefined && seen()) {
          window.__rowsAt = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document, { childList: true, subtree: true });
    }, expected);
    const started = performance.now();
    await page.goto(`${base}/tasks/${task}`, { waitUntil: "load" });
    await page.waitForFunction(() => window.__rowsAt !== undefined, null, { timeout: 30000 });
    const wall = performance.now() - started;
    const t = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return {
        responseStart: n.responseStart,
        rows: window.__rowsAt,
        domContentLoaded: n.domContentLoadedEventEnd,
        load: n.loadEventEnd,
        shown: document.querySelectorAll("table.leaderboard td.accuracy").length,
      };
    });
    if (t.shown !== expected) {
      console.error(`load ${i}: ${t.shown} leaderboard rows, expected ${expected}`);
      process.exit(1);
    }
    for (const k of ["responseStart", "rows", "domContentLoaded", "load"]) figures[k].push(t[k]);
    figures.wall.push(wall);
    await context.close();
  }
} finally {
  await browser.close();
}
const summary = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return { first: v[0], p50: s[Math.floor(s.length / 2)], max: s[s.length - 1], all: v };
};
const out = { browser: `Chromium ${version}`, loads };
for (const [k, v] of Object.entries(figures)) out[k] = summary(v);
console.log(JSON.stringify(out));
