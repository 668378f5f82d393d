// Figures for the web app beside the API's own time for the same request (printed, never asserted).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { test } from "@playwright/test";
import { apiCall, signIn } from "../e2e/fixtures";
import { REPO } from "../e2e/env";
import { SEARCH_DEBOUNCE_MS } from "../src/filters/typing";

const out = (s: string) => process.stdout.write(`${s}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function apiTime(body: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  await apiCall("POST", "/v1/contacts/search", { page_size: 50, ...body });
  return performance.now() - t0;
}

test("bench/web", async ({ page }) => {
  const dist = path.join(REPO, "web", "dist", "assets");
  const main = fs.readdirSync(dist).filter((f) => /^index-.*\.js$/.test(f));
  for (const f of main) out(`main bundle ${f}: ${(zlib.gzipSync(fs.readFileSync(path.join(dist, f))).length / 1024).toFixed(1)} KB gzip`);

  // the seeded contacts reach the index through the outbox relay: wait for all of them
  const want = Number(process.env.CONTACTS_E2E_SEED ?? "400");
  const seedStart = performance.now();
  for (;;) {
    const r = await apiCall<{ pending_changes: number; index_contacts: number }>("GET", "/v1/ops/sync");
    if (r.pending_changes === 0 && r.index_contacts >= want) break;
    if (performance.now() - seedStart > 60 * 60_000) throw new Error(`only ${r.index_contacts} of ${want} contacts indexed`);
    await new Promise((res) => setTimeout(res, 2000));
  }
  await signIn(page);
  await page.locator(".total").filter({ hasText: /contacts?$/ }).waitFor();
  const total = Number(((await page.locator(".total").textContent()) ?? "").replace(/\D/g, ""));
  out(`workspace: ${total.toLocaleString()} contacts`);

  // first rows painted after navigation
  const first: number[] = [];
  const firstApi: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await page.goto("/");
    await page.locator("tbody tr").first().waitFor();
    first.push(performance.now() - t0);
    firstApi.push(await apiTime({}));
  }
  out(`first rows: p50 ${ms(pct(first, 50))} (API alone ${ms(pct(firstApi, 50))})`);

  const signature = () => page.evaluate(() => `${document.querySelector(".total")?.textContent}|${document.querySelector("tbody tr")?.textContent}`);
  // Where the time of one update goes, measured inside the page: from the action to the search
  // request leaving (debounce and React), the request as the browser saw it (network + API), and
  // from its response to the changed table being painted (parse + render).
  interface Split { total: number; wait: number; request: number; render: number }
  const splits: Record<string, Split[]> = {};
  async function timed(kind: string, action: () => Promise<void>): Promise<number> {
    const before = await signature();
    const start = await page.evaluate(() => {
      performance.clearResourceTimings();
      return performance.now();
    });
    const t0 = performance.now();
    await action();
    await page.waitForFunction((b) => `${document.querySelector(".total")?.textContent}|${document.querySelector("tbody tr")?.textContent}` !== b, before, { polling: "raf", timeout: 20_000 });
    const total = performance.now() - t0;
    const s = await page.evaluate((t) => {
      const painted = performance.now();
      const r = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/v1/contacts/search")).pop() as PerformanceResourceTiming | undefined;
      return r ? { wait: r.startTime - t, request: r.responseEnd - r.startTime, render: painted - r.responseEnd } : null;
    }, start);
    if (s) (splits[kind] ??= []).push({ total, ...s });
    return total;
  }
  const printSplit = (kind: string) => {
    const xs = splits[kind] ?? [];
    if (!xs.length) return;
    const p = (k: keyof Split, q: number) => ms(pct(xs.map((x) => x[k]), q));
    out(`  ${kind}, where the time goes (p50 / p95): before the request leaves ${p("wait", 50)} / ${p("wait", 95)}; the request in the browser ${p("request", 50)} / ${p("request", 95)}; response to painted table ${p("render", 50)} / ${p("render", 95)}`);
  };

  // search: 30 queries taken from the data
  const sample = await apiCall<{ items: { first_name: string | null; last_name: string | null }[] }>("POST", "/v1/contacts/search", { page_size: 60, sort: [{ field: "created_at", order: "desc" }] });
  const queries = [...new Set(sample.items.map((c) => (c.first_name ?? c.last_name ?? "").slice(0, 4)).filter((q) => q.length >= 3))].slice(0, 30);
  const ui: number[] = [];
  const api: number[] = [];
  const box = page.getByRole("searchbox", { name: "Search contacts" });
  let prev = "";
  for (const q of queries) {
    if (q === prev) continue;
    ui.push(await timed("search", () => box.fill(q)).catch(() => NaN));
    api.push(await apiTime({ query: q }));
    prev = q;
  }
  const okUi = ui.filter((x) => !Number.isNaN(x));
  out(`search (${okUi.length} queries, includes the ${SEARCH_DEBOUNCE_MS} ms debounce): p50 ${ms(pct(okUi, 50))} p95 ${ms(pct(okUi, 95))} | API alone p50 ${ms(pct(api, 50))} p95 ${ms(pct(api, 95))} | beyond the API at p95 ${ms(pct(okUi, 95) - pct(api, 95))}`);
  printSplit("search");
  await box.fill("");
  await page.waitForTimeout(800);

  // filters: a typed value (applied after the pause) and a value chosen from a list (at once);
  // the API alone is then asked the filter the page put in its URL
  const urlFilter = (): unknown => {
    const raw = new URL(page.url()).searchParams.get("filter");
    return raw ? (JSON.parse(raw) as unknown) : null;
  };
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  const drawer = page.getByRole("region", { name: "Filters" });
  const addCondition = async (field: string, op: string) => {
    await drawer.getByRole("button", { name: "Add condition" }).last().click();
    const row = drawer.locator("li.condition").last();
    await row.getByRole("combobox", { name: "Field" }).fill(field);
    await page.getByRole("option", { name: field, exact: true }).click();
    await row.getByRole("button", { name: /Operator/ }).click();
    await page.getByRole("option", { name: op, exact: true }).click();
    return row;
  };
  const phases: [string, number[], number[]][] = [];

  const typedRow = await addCondition("First name", "is");
  const names = [...new Set(sample.items.map((c) => c.first_name).filter((n): n is string => !!n))].slice(0, 10);
  const tui: number[] = [];
  const tapi: number[] = [];
  for (const name of names) {
    tui.push(await timed("typed filter value", () => typedRow.getByRole("textbox", { name: "Value" }).fill(name)).catch(() => NaN));
    tapi.push(await apiTime({ filter: urlFilter() }));
  }
  phases.push([`typed filter value (${SEARCH_DEBOUNCE_MS} ms pause included)`, tui, tapi]);
  await drawer.getByRole("button", { name: "Clear" }).click();
  await page.waitForTimeout(800);

  const choiceRow = await addCondition("Country", "is");
  const cui: number[] = [];
  const capi: number[] = [];
  for (let i = 0; i < 10; i++) {
    await choiceRow.getByRole("button", { name: /Value/ }).click();
    const options = page.getByRole("option");
    const n = await options.count();
    cui.push(await timed("chosen filter value", () => options.nth(i % Math.max(1, Math.min(n, 5))).click()).catch(() => NaN));
    capi.push(await apiTime({ filter: urlFilter() }));
  }
  phases.push(["filter value chosen from a list (applied at once)", cui, capi]);
  for (const [what, xs, api] of phases) {
    const ok = xs.filter((x) => !Number.isNaN(x));
    out(`${what} (${ok.length} of ${xs.length}): p50 ${ms(pct(ok, 50))} p95 ${ms(pct(ok, 95))} | API alone p50 ${ms(pct(api, 50))} p95 ${ms(pct(api, 95))} | beyond the API at p95 ${ms(pct(ok, 95) - pct(api, 95))}`);
  }
  printSplit("typed filter value");
  printSplit("chosen filter value");
  await drawer.getByRole("button", { name: "Clear" }).click();
  await page.getByRole("button", { name: "Close filters" }).click();
  await page.waitForTimeout(800);

  // scrolling fast through 5,000 rows
  const target = Math.min(5000, total - 1);
  const scroller = page.locator(".table-scroll");
  let maxDom = 0;
  const t0 = performance.now();
  for (;;) {
    const last = await scroller.evaluate((el) => {
      el.scrollBy(0, 44 * 40);
      const rows = el.querySelectorAll("tbody tr");
      return { idx: Number(rows[rows.length - 1]?.getAttribute("data-index") ?? 0), dom: rows.length };
    });
    maxDom = Math.max(maxDom, last.dom);
    if (last.idx >= target || performance.now() - t0 > 10 * 60_000) break;
    await page.waitForTimeout(16);
  }
  const secs = (performance.now() - t0) / 1000;
  out(`scroll: ${target.toLocaleString()} rows in ${secs.toFixed(1)} s = ${(target / secs).toFixed(0)} rows/s painted (cursor pages of 50 loaded on the way); DOM rows at most ${maxDom}`);
});
