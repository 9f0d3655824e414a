// The `zkmltrack serve` pages in a real browser (headless Chromium driven by
// playwright-core, the project's pinned npm tool). Run by the end-to-end test
// (tests/tests/e2e.rs) against its server over the demo's deployment:
//
//   node tests/browser/pages.mjs <base-url> <expect.json> <out-dir>
//
// expect.json: {"accuracies": ["100.00%", ...] best first (the demo's report),
// "evaluation": id, "samples": n, "wrong": n (from the demo's report),
// "model": path, "calibration": path}. Exits non-zero with the reason on the
// first mismatch; writes out-dir/leaderboard.png.
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

const port = new URL(base).port;
const percent = (bps) => `${Math.floor(bps / 100)}.${String(bps % 100).padStart(2, "0")}%`;
const browser = await chromium.launch({
  executablePath: process.env.ZKMLTRACK_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    // An attacker's name that resolves to loopback (DNS rebinding), without a DNS server.
    "--host-resolver-rules=MAP rebind.test 127.0.0.1",
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
  // One point per finalized evaluation of the lineage: the demo's two, on task 1.
  const board = await (await page.request.get(`${base}/api/tasks/1/leaderboard`)).json();
  const want = board.filter((e) => e.version.lineage_id === 1)
    .map((e) => `task 1, version #${e.version.number}: ${percent(e.accuracy_bps)}`).sort();
  const drawn = (await page.locator("svg circle title").allTextContents()).sort();
  check(want.length === 2 && JSON.stringify(drawn) === JSON.stringify(want),
    `lineage 1's chart draws ${JSON.stringify(drawn)}, expected ${JSON.stringify(want)}`);

  // An evaluation page lists every drawn row and marks exactly the wrong
  // predictions; the audit agrees.
  await page.goto(`${base}/evaluations/${expect.evaluation}`);
  const listed = await page.locator("table.samples tr:has(td)").count();
  check(listed === expect.samples, `evaluation ${expect.evaluation}: ${listed} rows listed, expected ${expect.samples}`);
  const wrong = await page.locator("table.samples tr.wrong").count();
  check(wrong === expect.wrong, `evaluation ${expect.evaluation}: ${wrong} rows marked wrong, expected ${expect.wrong}`);
  const marks = await page.locator("table.samples tr:has(td) td:last-child").allTextContents();
  check(marks.filter((m) => m === "wrong").length === expect.wrong
    && marks.filter((m) => m === "correct").length === expect.samples - expect.wrong,
    `evaluation ${expect.evaluation}: marks ${JSON.stringify(marks)}`);
  // The verdict, once the task's audit ran (the page refreshes itself meanwhile).
  const agrees = await page.waitForSelector("p.audit.agrees", { timeout: 120_000 }).catch(() => null);
  check(agrees !== null,
    `evaluation ${expect.evaluation}: the audit's verdict is ${await page.locator("p.audit").textContent().catch(() => "absent")}`);

  // A page under a name that resolves to loopback but is not this server's
  // (DNS rebinding) is refused.
  const rebound = await page.goto(`http://rebind.test:${port}/tasks/1`);
  check(rebound.status() === 403, `http://rebind.test:${port}/tasks/1 answered ${rebound.status()}`);
  check((await page.locator("body").textContent()).includes("DNS rebinding"), "the refusal says why");

  // A page of another origin (localhost is another origin than 127.0.0.1)
  // that posts a form to this server's API is refused before anything is
  // queued.
  await page.goto(`http://localhost:${port}/upload`);
  await page.evaluate((action) => {
    const form = document.createElement("form");
    form.method = "POST";
    form.enctype = "multipart/form-data";
    form.action = action;
    const task = document.createElement("input");
    task.name = "task";
    task.value = "1";
    form.appendChild(task);
    document.body.appendChild(form);
  }, `${base}/api/models`);
  const [posted] = await Promise.all([
    page.waitForNavigation(),
    page.evaluate(() => document.forms[document.forms.length - 1].submit()),
  ]);
  check(posted.status() === 403, `a cross-origin form post answered ${posted.status()}`);
  check((await page.locator("body").textContent()).includes("cross-origin write refused"),
    `the cross-origin refusal says ${await page.locator("body").textContent()}`);

  // Uploading a file that is not ONNX shows the error on the page.
  await page.goto(`${base}/upload`);
  await page.setInputFiles("input[name=model]", { name: "notes.onnx", mimeType: "application/octet-stream", buffer: Buffer.from("not a model\n") });
  await page.setInputFiles("input[name=calibration]", expect.calibration);
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.getElementById("result").textContent.length > 0);
  const notOnnx = await page.locator("#result").textContent();
  check(notOnnx.includes("not a valid ONNX model"), `a file that is not ONNX: the page says ${JSON.stringify(notOnnx)}`);

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
  const job = page.url().split("/").pop();
  // The page refreshes itself while the job runs: no reload here.
  const deadline = Date.now() + 600_000;
  let state = "";
  const seen = [];
  for (;;) {
    try {
      state = (await page.locator("#state").textContent({ timeout: 5000 })).trim();
      const steps = await page.locator("#steps li").count();
      const last = seen[seen.length - 1];
      if (!last || last.state !== state || last.steps !== steps) seen.push({ state, steps });
    } catch {
      // Between two loads of the self-refreshing page.
    }
    if (state === "done" || state === "failed" || Date.now() > deadline) break;
    await page.waitForTimeout(500);
  }
  check(state === "done", `the job ended ${state}: ${await page.locator("body").textContent()}`);
  check(seen[0].state !== "done" && seen.length >= 3,
    `the job page showed its steps advance by itself: ${JSON.stringify(seen)}`);
  // The circuit pipeline's table is the API's status.json records.
  const status = await (await page.request.get(`${base}/api/jobs/${job}`)).json();
  const tabled = await page.locator("#pipeline tr:has(td) td:first-child").allTextContents();
  check(status.pipeline.length > 0
    && JSON.stringify(tabled) === JSON.stringify(status.pipeline.map((p) => p.step)),
    `the pipeline table lists ${JSON.stringify(tabled)}, the API ${JSON.stringify(status.pipeline.map((p) => p.step))}`);
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
