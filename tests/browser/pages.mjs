// The `zkmltrack serve` pages in a real browser (headless Chromium driven by
// playwright-core, the project's pinned npm tool). Run by the end-to-end test
// (tests/tests/e2e.rs) against its server over the demo's deployment:
//
//   node tests/browser/pages.mjs <base-url> <expect.json> <out-dir>
//
// expect.json: {"accuracies": ["100.00%", ...] best first, "evaluation": id,
// "wrong": n, "model": path, "calibration": path}. Exits non-zero with the
// reason on the first mismatch; writes out-dir/leaderboard.png.
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../tools/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, expectFile, outDir] = process.argv.slice(2);
const expect = JSON.parse(readFileSync(expectFile, "utf8"));
mkdirSync(outDir, { recursive: true });

function check(ok, what) {
  if (!ok) {
    console.error(`browser check failed: ${what}`);
    process.exit(1);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.ZKMLTRACK_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });

  // The task page: both versions, best first, the chain's accuracies.
  await page.goto(`${base}/tasks/1`);
  const shown = await page.locator("table.leaderboard td.accuracy").allTextContents();
  check(JSON.stringify(shown) === JSON.stringify(expect.accuracies),
    `leaderboard accuracies ${JSON.stringify(shown)}, expected ${JSON.stringify(expect.accuracies)}`);
  await page.screenshot({ path: `${outDir}/leaderboard.png`, fullPage: true });

  // The tasks page: one row per task of the API, with its size, shape and draw.
  const tasks = await (await page.request.get(`${base}/api/tasks`)).json();
  await page.goto(`${base}/`);
  const rows = await page.locator("tbody tr").all();
  check(rows.length === tasks.length, `tasks page: ${rows.length} rows, the API has ${tasks.length} tasks`);
  for (const [i, t] of tasks.entries()) {
    const cells = await rows[i].locator("td").allTextContents();
    const s = t.spec;
    const want = [`task ${t.id}`, String(s.dataset_size), String(s.feature_count), String(s.class_count),
      String(s.scale), String(s.samples)];
    const got = [cells[0], cells[2], cells[3], cells[4], cells[5], cells[6]];
    check(JSON.stringify(got) === JSON.stringify(want),
      `tasks page row ${i}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    check(cells[7].includes(s.hidden ? "hidden" : "public"), `tasks page row ${i}: ${cells[7]}`);
  }

  // A lineage page: its versions, numbered as the API has them, and the accuracy chart drawn.
  const versions = await (await page.request.get(`${base}/api/lineages/1/versions`)).json();
  await page.goto(`${base}/lineages/1`);
  const numbers = await page.locator("tbody tr td:first-child").allTextContents();
  check(JSON.stringify(numbers) === JSON.stringify(versions.map((v) => `#${v.number}`)),
    `lineage 1 lists ${JSON.stringify(numbers)}, the API ${JSON.stringify(versions.map((v) => v.number))}`);
  const points = await page.locator("svg circle").count();
  check(points >= 1, `lineage 1's chart draws ${points} points`);

  // An evaluation page marks exactly the wrong predictions.
  await page.goto(`${base}/evaluations/${expect.evaluation}`);
  const wrong = await page.locator("table.samples tr.wrong").count();
  check(wrong === expect.wrong, `evaluation ${expect.evaluation}: ${wrong} rows marked wrong, expected ${expect.wrong}`);

  // Uploading a bad calibration file shows the error on the page.
  await page.goto(`${base}/upload`);
  await page.setInputFiles("input[name=model]", expect.model);
  await page.setInputFiles("input[name=calibration]", { name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from("one column\n1\n") });
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.getElementById("result").textContent.length > 0);
  const error = await page.locator("#result").textContent();
  check(error.includes("calibration CSV"), `bad upload: the page says ${JSON.stringify(error)}`);

  // Uploading the model: the job page shows its steps advance to done and offers the proof.
  await page.goto(`${base}/upload`);
  await page.setInputFiles("input[name=model]", expect.model);
  await page.setInputFiles("input[name=calibration]", expect.calibration);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/jobs\/[0-9a-f]+$/);
  const deadline = Date.now() + 600_000;
  let state = "";
  const seen = new Set();
  for (;;) {
    state = (await page.locator("#state").textContent()).trim();
    seen.add(state);
    if (state === "Done" || state === "Failed" || Date.now() > deadline) break;
    await page.waitForTimeout(1000);
    await page.reload();
  }
  check(state === "Done", `the job ended ${state}: ${await page.locator("body").textContent()}`);
  check(seen.size > 1 || (await page.locator("#steps li").count()) > 3, "the job page showed its steps");
  const proof = page.locator("#artifacts a", { hasText: "proof.json" });
  check((await proof.count()) === 1, "the job page offers proof.json");
  const response = await page.request.get(new URL(await proof.getAttribute("href"), base).href);
  check(response.ok(), `downloading proof.json: HTTP ${response.status()}`);
  const body = await response.json();
  check(body && (body.proof || body.hex_proof), "proof.json is an EZKL proof");
  console.log("browser checks passed");
} finally {
  await browser.close();
}
